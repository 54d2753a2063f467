/*
 * Which kind of server a local-mode backup may read from (--from). A backup from a standby
 * keeps the copy's IO off the primary, which is why it is the default and why "standby" refuses
 * a primary instead of quietly loading it; "prefer-standby" accepts the primary as pgBackRest's
 * backup-standby=prefer does, when the configured node turns out to be one.
 */
package io.pgbk.core.backup;

import io.pgbk.error.PgbkException;
import java.util.Locale;

public enum SourcePolicy {
    STANDBY,
    PRIMARY,
    PREFER_STANDBY;

    public static SourcePolicy parse(String text) {
        for (SourcePolicy policy : values()) {
            if (policy.toString().equalsIgnoreCase(text)) {
                return policy;
            }
        }
        throw new PgbkException("invalid --from '" + text + "': expected standby, primary or prefer-standby");
    }

    /** Refuses a node this policy does not accept; node describes it for the message. */
    void check(boolean standby, String node) {
        if (this == STANDBY && !standby) {
            throw new PgbkException(node + " is a primary, not a standby: refusing to back up from it with "
                    + "--from standby (use --from prefer-standby or primary to allow it)");
        }
        if (this == PRIMARY && standby) {
            throw new PgbkException(node + " is a standby, not a primary: refusing with --from primary "
                    + "(use --from standby or prefer-standby)");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
