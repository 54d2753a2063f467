/*
 * Everything recovery is asked to do: the target, on which side of it to stop, the timeline to
 * follow and the action at the target. It turns into the recovery_target_* settings of
 * postgresql.auto.conf, and rejects combinations that PostgreSQL would silently ignore
 * (an exclusive restore point, an action without a target), since a user who typed them
 * expected them to matter.
 */
package io.pgbk.core.recovery;

import io.pgbk.error.PgbkException;
import java.util.LinkedHashMap;
import java.util.Map;

public record RecoveryPlan(RecoveryTarget target, boolean exclusive, TargetTimeline timeline, TargetAction action) {

    public RecoveryPlan {
        if (exclusive && !target.hasEdge()) {
            throw new PgbkException("--target-exclusive applies to a time, LSN or transaction target, not to "
                    + target.describe());
        }
    }

    /** Replay to the end of the archived WAL on the latest timeline, then promote. */
    public static RecoveryPlan toEndOfWal() {
        return new RecoveryPlan(new RecoveryTarget.EndOfWal(), false, TargetTimeline.LATEST, TargetAction.PROMOTE);
    }

    /** The recovery settings, in the order they are written. */
    public Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>(target.settings());
        if (target.hasEdge()) {
            settings.put("recovery_target_inclusive", exclusive ? "off" : "on");
        }
        settings.put("recovery_target_timeline", timeline.setting());
        if (!(target instanceof RecoveryTarget.EndOfWal)) {
            settings.put("recovery_target_action", action.setting());
        }
        return settings;
    }

    public String describe() {
        return target.describe() + (target.hasEdge() ? exclusive ? " (exclusive)" : " (inclusive)" : "")
                + ", timeline " + timeline + (target instanceof RecoveryTarget.EndOfWal ? "" : ", then " + action.setting());
    }
}
