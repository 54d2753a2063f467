/*
 * The WAL a backup cannot be restored without: every segment from the one holding its start LSN
 * to the one holding the last byte before its stop LSN. Without them the restored cluster never
 * becomes consistent, so their presence is checked (one stat each, no download) before the data
 * directory is touched. A backup taken across a promotion has its first segments on the start
 * timeline and its last ones on the stop timeline; a segment is found under either name.
 */
package io.pgbk.core.restore;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

public record RequiredWal(Set<TimelineId> timelines, long firstSegment, long lastSegment, WalSegmentSize segmentSize) {

    public static RequiredWal of(BackupManifest backup, WalSegmentSize segmentSize) {
        Lsn lastByte = backup.stopLsn().compareTo(backup.startLsn()) > 0 ? backup.stopLsn().plus(-1) : backup.startLsn();
        Set<TimelineId> timelines = new LinkedHashSet<>(List.of(backup.stopTimeline(), backup.startTimeline()));
        return new RequiredWal(timelines, backup.startLsn().segmentNumber(segmentSize),
                lastByte.segmentNumber(segmentSize), segmentSize);
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
}
