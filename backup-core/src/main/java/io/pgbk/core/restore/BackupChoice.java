/*
 * Which backup a restore starts from. Named by id (or "latest"), or else the newest backup that
 * can reach the target: one that ended no later than a target time, or whose stop LSN is not
 * past a target LSN. For a transaction or a restore point the repository cannot tell where they
 * lie, so the newest backup is taken and the choice says so: PostgreSQL reports it if the target
 * was earlier. The reason travels with the choice because a user restoring to a point in time
 * wants to know why that backup and not another.
 *
 * Reaching the target also means not replaying across a recorded WAL gap (RequiredWal): among
 * the backups that qualify, the newest whose way to the target is whole is taken; when every way
 * crosses a gap, the restore is refused with the gap's message.
 */
package io.pgbk.core.restore;

import io.pgbk.core.catalog.WalGaps;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.error.PgbkException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

public record BackupChoice(BackupManifest backup, String reason) {

    public static final String LATEST = "latest";

    /** The choice for a repository without WAL gaps, following the latest timeline. */
    public static BackupChoice choose(List<BackupManifest> backups, Optional<String> requested, RecoveryTarget target) {
        return choose(backups, requested, new RecoveryPlan(target, false, TargetTimeline.LATEST, TargetAction.PROMOTE),
                WalGaps.none());
    }

    /**
     * @param backups   every backup of the cluster (those with a manifest)
     * @param requested a backup id, "latest", or empty to choose by the target
     * @param gaps      the repository's WAL gaps: a choice that would replay across one is refused
     */
    public static BackupChoice choose(List<BackupManifest> backups, Optional<String> requested, RecoveryPlan plan,
            WalGaps gaps) {
        BackupChoice choice = pick(backups, requested, plan, gaps);
        RequiredWal.requireNoGap(choice.backup(), plan, gaps, backups);
        return choice;
    }

    private static BackupChoice pick(List<BackupManifest> backups, Optional<String> requested, RecoveryPlan plan,
            WalGaps gaps) {
        RecoveryTarget target = plan.target();
        List<BackupManifest> newestFirst = backups.stream()
                .sorted(Comparator.comparing(BackupManifest::id).reversed())
                .toList();
        if (newestFirst.isEmpty()) {
            throw new PgbkException("the repository holds no backup of this cluster: nothing to restore");
        }
        if (requested.isPresent() && !requested.get().equals(LATEST)) {
            BackupId id = BackupId.parse(requested.get());
            BackupManifest named = newestFirst.stream().filter(backup -> backup.id().equals(id)).findFirst()
                    .orElseThrow(() -> new PgbkException("no backup " + id + " in the repository (backups: "
                            + String.join(", ", newestFirst.stream().map(b -> b.id().toString()).toList()) + ")"));
            return new BackupChoice(named, "backup " + id + " as requested");
        }
        BackupManifest newest = newestFirst.get(0);
        if (requested.isPresent()) {
            return new BackupChoice(newest, "the latest backup, " + newest.id() + ", as requested");
        }
        Predicate<BackupManifest> whole = backup -> RequiredWal.gapOnTheWay(backup, plan, gaps).isEmpty();
        Predicate<BackupManifest> reaches;
        String rule;
        if (target instanceof RecoveryTarget.AtTime time) {
            reaches = backup -> !backup.stopTime().isAfter(time.time().instant());
            rule = "ended before " + time.time();
        } else if (target instanceof RecoveryTarget.AtLsn lsn) {
            reaches = backup -> backup.stopLsn().compareTo(lsn.lsn()) <= 0;
            rule = "stopped at or before LSN " + lsn.lsn();
        } else {
            BackupManifest chosen = newestFirst.stream().filter(whole).findFirst().orElse(newest);
            return new BackupChoice(chosen, "the newest backup" + skipped(chosen, newest) + ", " + chosen.id()
                    + ", since the repository cannot tell which backups come before " + target.describe());
        }
        BackupManifest oldest = newestFirst.get(newestFirst.size() - 1);
        BackupManifest reaching = newestFirst.stream().filter(reaches).findFirst()
                .orElseThrow(() -> new PgbkException("no backup can reach " + target.describe() + ": the oldest, "
                        + oldest.id() + ", ended at " + oldest.stopTime() + " (LSN " + oldest.stopLsn() + ")"));
        BackupManifest chosen = newestFirst.stream().filter(reaches.and(whole)).findFirst().orElse(reaching);
        return new BackupChoice(chosen, "backup " + chosen.id() + ", the newest that " + rule
                + skipped(chosen, reaching) + " (it ended at " + chosen.stopTime() + ", LSN " + chosen.stopLsn() + ")");
    }

    private static String skipped(BackupManifest chosen, BackupManifest newer) {
        return chosen.equals(newer) ? "" : " without crossing a WAL gap (" + newer.id() + " would cross one)";
    }
}
