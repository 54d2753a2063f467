/*
 * What a restore or a listing needs to judge backups against the recorded WAL gaps, read once
 * per command: the gaps, the timeline path recovery would follow, and the segment size to name
 * the missing segments. With no gap recorded (the usual case) no history file is read at all.
 */
package io.pgbk.core.catalog;

import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.ReplayRange;
import io.pgbk.core.wal.TimelineHistory;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalSegmentSize;
import java.util.List;
import java.util.Optional;

public final class WalGaps {

    private final List<WalGap> records;
    private final Optional<TimelineHistories> histories;
    private final Optional<WalSegmentSize> segmentSize;

    private WalGaps(List<WalGap> records, Optional<TimelineHistories> histories, Optional<WalSegmentSize> segmentSize) {
        this.records = List.copyOf(records);
        this.histories = histories;
        this.segmentSize = segmentSize;
    }

    public static WalGaps read(Repository repository) {
        List<WalGap> records = new WalGapRecords(repository).list();
        return new WalGaps(records, Optional.of(new TimelineHistories(repository)),
                records.isEmpty() ? Optional.empty() : repository.clusterInfo().map(ClusterInfo::walSegmentSize));
    }

    /** For a repository known to hold no gap. */
    public static WalGaps none() {
        return new WalGaps(List.of(), Optional.empty(), Optional.empty());
    }

    /** In WAL order. */
    public List<WalGap> records() {
        return records;
    }

    /** The timelines recovery from start follows with this recovery_target_timeline. */
    public TimelineHistory path(TimelineId start, TargetTimeline target) {
        if (records.isEmpty() || histories.isEmpty()) {
            return new TimelineHistory(start, List.of()); // nothing to cross: the path does not matter
        }
        return histories.get().path(start, target);
    }

    /** The WAL every recovery of backup replays, from its start to its stop, on the path it follows. */
    public ReplayRange ownWal(BackupManifest backup, TargetTimeline target) {
        return new ReplayRange(path(backup.startTimeline(), target), backup.startLsn(), Optional.of(backup.stopLsn()));
    }

    /** For users: the range and the missing segments. */
    public String describe(WalGap gap) {
        return gap.range() + segmentSize.map(size -> " (" + gap.segments(size) + ")").orElse("");
    }
}
