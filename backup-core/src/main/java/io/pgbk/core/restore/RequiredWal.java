/*
 * The WAL a backup cannot be restored without: every segment from the one holding its start LSN
 * to the one holding its stop LSN. Without them the restored cluster never becomes consistent,
 * or, for a standby's backup that stopped exactly at the start of a segment, cannot stop at
 * 'immediate': PostgreSQL ends such a recovery only on reading the record after the stop LSN.
 * Their presence is checked (one stat each, no download) before the data directory is touched. A backup taken across a promotion has its first segments on the start
 * timeline and its last ones on the stop timeline; a segment is found under either name.
 *
 * Beyond the backup's end, recovery needs the WAL up to its target, and no recovery can replay
 * across a gap the WAL receiver recorded (WalGap): a restore whose way to its target crosses one
 * is refused before anything is touched, naming the gap, rather than failing later on a missing
 * segment or, worse, ending quietly at the gap with less data than asked for. The way is exact
 * for the end of WAL, 'immediate' and an LSN. The repository cannot place a time, a transaction
 * or a restore point in WAL: a time after the receiver found the gap certainly lies beyond it,
 * anything else is let through with a warning, and PostgreSQL refuses to end a recovery short of
 * its target.
 */
package io.pgbk.core.restore;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.catalog.WalGaps;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.ReplayRange;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public record RequiredWal(Set<TimelineId> timelines, long firstSegment, long lastSegment, WalSegmentSize segmentSize) {

    private static final Logger log = LoggerFactory.getLogger(RequiredWal.class);

    public static RequiredWal of(BackupManifest backup, WalSegmentSize segmentSize) {
        Set<TimelineId> timelines = new LinkedHashSet<>(List.of(backup.stopTimeline(), backup.startTimeline()));
        return new RequiredWal(timelines, backup.startLsn().segmentNumber(segmentSize),
                backup.stopLsn().segmentNumber(segmentSize), segmentSize);
    }

    /** Fails naming the first segment the archive lacks. */
    public void check(WalArchive archive, String backupId) {
        for (long number = firstSegment; number <= lastSegment; number++) {
            boolean found = false;
            for (TimelineId timeline : timelines) {
                if (archive.stat(WalSegmentName.ofSegmentNumber(timeline, number, segmentSize).toString()).isPresent()) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                throw new PgbkException("backup " + backupId + " cannot be restored: WAL segment "
                        + WalSegmentName.ofSegmentNumber(timelines.iterator().next(), number, segmentSize)
                        + " is missing from the repository (the backup needs "
                        + WalSegmentName.ofSegmentNumber(timelines.iterator().next(), firstSegment, segmentSize) + " to "
                        + WalSegmentName.ofSegmentNumber(timelines.iterator().next(), lastSegment, segmentSize) + ")");
            }
        }
    }

    /** The first recorded gap that recovering backup as planned certainly has to replay across. */
    public static Optional<WalGap> gapOnTheWay(BackupManifest backup, RecoveryPlan plan, WalGaps gaps) {
        return crossed(backup, plan, gaps).filter(gap -> certain(gap, backup, plan, gaps)).findFirst();
    }

    /**
     * Refuses a recovery that has to replay across a recorded gap, saying what the user can do
     * instead; warns of one that the target may lie beyond.
     *
     * @param backups every backup of the cluster, to name those taken after the gap
     */
    public static void requireNoGap(BackupManifest backup, RecoveryPlan plan, WalGaps gaps,
            List<BackupManifest> backups) {
        Optional<WalGap> blocking = gapOnTheWay(backup, plan, gaps);
        if (blocking.isPresent()) {
            WalGap gap = blocking.get();
            boolean own = gaps.ownWal(backup, plan.timeline()).crosses(gap);
            String after = backups.stream().filter(other -> other.startLsn().compareTo(gap.to().lsn()) >= 0)
                    .map(other -> other.id().toString()).collect(Collectors.joining(", "));
            throw new PgbkException("backup " + backup.id() + " cannot be recovered to " + plan.target().describe()
                    + ": the WAL " + gaps.describe(gap) + " is lost, the WAL receiver found it gone at "
                    + gap.detectedAt()
                    + ", and no recovery can replay across such a gap"
                    + (own ? ", and it lies within the backup's own WAL; restore another backup"
                            : "; restore to a target before " + gap.from().lsn()
                                    + " or from a backup taken after the gap")
                    + (after.isEmpty() ? " (none yet: take one)" : " (" + after + ")"));
        }
        crossed(backup, plan, gaps).findFirst().ifPresent(gap -> log.warn("the repository cannot tell whether {} lies "
                + "before the WAL gap {}: if it does not, recovery stops at {} and PostgreSQL reports that it ended "
                + "before reaching the target", plan.target().describe(), gaps.describe(gap), gap.from()));
    }

    /** For pgbk list and show: a gap in or after the backup's WAL, which limits what it can be restored to. */
    public static Optional<String> gapNote(BackupManifest backup, WalGaps gaps) {
        RecoveryPlan immediate = new RecoveryPlan(new RecoveryTarget.Immediate(), false, TargetTimeline.LATEST,
                TargetAction.PROMOTE);
        Optional<String> inside = gapOnTheWay(backup, immediate, gaps)
                .map(gap -> "WAL gap inside this backup: " + gap.range() + ", it cannot be restored");
        return inside.or(() -> gapOnTheWay(backup, RecoveryPlan.toEndOfWal(), gaps)
                .map(gap -> "WAL gap after this backup: " + gap.range()));
    }

    /* The gaps on the way from the backup's start to as far as its target could lie, in WAL order. */
    private static Stream<WalGap> crossed(BackupManifest backup, RecoveryPlan plan, WalGaps gaps) {
        ReplayRange onward = new ReplayRange(gaps.path(backup.startTimeline(), plan.timeline()), backup.startLsn(),
                end(backup, plan.target()));
        return gaps.records().stream().filter(onward::crosses);
    }

    private static Optional<Lsn> end(BackupManifest backup, RecoveryTarget target) {
        // recovery stops on reading the first record at or after where it may stop: it reads at least that far
        if (target instanceof RecoveryTarget.Immediate) {
            return Optional.of(backup.stopLsn().plus(1));
        }
        if (target instanceof RecoveryTarget.AtLsn lsn) {
            Lsn past = lsn.lsn().plus(1);
            return Optional.of(past.compareTo(backup.stopLsn()) > 0 ? past : backup.stopLsn());
        }
        return Optional.empty();
    }

    private static boolean certain(WalGap gap, BackupManifest backup, RecoveryPlan plan, WalGaps gaps) {
        RecoveryTarget target = plan.target();
        if (target instanceof RecoveryTarget.AtTime time) {
            // all the missing WAL had been written when the receiver found it gone
            return !gap.detectedAt().isAfter(time.time().instant())
                    || gaps.ownWal(backup, plan.timeline()).crosses(gap);
        }
        if (target instanceof RecoveryTarget.AtXid || target instanceof RecoveryTarget.AtName) {
            return gaps.ownWal(backup, plan.timeline()).crosses(gap);
        }
        return true;
    }
}
