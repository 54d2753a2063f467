/*
 * recovery_target_action: what PostgreSQL does once it reaches the target. promote opens the
 * restored cluster on a new timeline; pause keeps it read-only so the result can be inspected
 * (and the target moved forward) before anything is decided; shutdown stops it, ready to be
 * started as a standby or examined offline.
 */
package io.pgbk.core.recovery;

import io.pgbk.error.PgbkException;
import java.util.Locale;

public enum TargetAction {
    PROMOTE, PAUSE, SHUTDOWN;

    public static TargetAction parse(String text) {
        for (TargetAction action : values()) {
            if (action.setting().equals(text.strip().toLowerCase(Locale.ROOT))) {
                return action;
            }
        }
        throw new PgbkException("invalid target action '" + text + "': expected promote, pause or shutdown");
    }

    public String setting() {
        return name().toLowerCase(Locale.ROOT);
    }
}
