/*
 * The last step of a backup: the WAL from its start to its stop LSN must be in the repository,
 * or the backup restores to nothing consistent. Archiving (wal-push) or the receiver stores it
 * (and, in one case, the backup itself: StopSegmentCopy), and this waits until every segment from
 * the start LSN's to the stop LSN's is there, polling the repository with one stat per missing segment. A
 * standby's backup can stop exactly at the start of a segment (its minimum recovery point was
 * the end of a WAL switch); that segment is needed too, because a recovery to 'immediate' ends
 * only on reading the record after the stop LSN.
 *
 * A segment counts when it is on the stop timeline or the start timeline: a standby that
 * followed a promotion during the backup has the start of the range on the old timeline and the
 * rest on the new one.
 */
package io.pgbk.core.backup;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

final class WalArrival {

    /** A stat per poll is cheap next to the backup waiting for nothing: the wait ends ~10 ms after arrival. */
    private static final Duration POLL = Duration.ofMillis(20);

    private final WalArchive archive;
    private final WalSegmentSize segmentSize;
    private final Clock clock;

    WalArrival(WalArchive archive, WalSegmentSize segmentSize, Clock clock) {
        this.archive = archive;
        this.segmentSize = segmentSize;
        this.clock = clock;
    }

    /** Segments of the range not yet in the repository, by their name on the stop timeline. */
    List<WalSegmentName> missing(TimelineId startTimeline, Lsn start, TimelineId stopTimeline, Lsn stop) {
        List<WalSegmentName> missing = new ArrayList<>();
        // when the stop LSN starts a segment, recovery still reads that segment's first record to stop there
        long last = stop.segmentNumber(segmentSize);
        for (long segment = start.segmentNumber(segmentSize); segment <= last; segment++) {
            WalSegmentName onStop = WalSegmentName.ofSegmentNumber(stopTimeline, segment, segmentSize);
            WalSegmentName onStart = WalSegmentName.ofSegmentNumber(startTimeline, segment, segmentSize);
            if (archive.stat(onStop.toString()).isEmpty()
                    && (onStart.equals(onStop) || archive.stat(onStart.toString()).isEmpty())) {
                missing.add(onStop);
            }
        }
        return missing;
    }

    /** Waits until no segment of the range is missing, or fails after timeout naming the first one. */
    void await(TimelineId startTimeline, Lsn start, TimelineId stopTimeline, Lsn stop, Duration timeout,
            String hint) {
        Instant deadline = clock.instant().plus(timeout);
        List<WalSegmentName> missing = missing(startTimeline, start, stopTimeline, stop);
        while (!missing.isEmpty()) {
            if (!clock.instant().isBefore(deadline)) {
                throw new PgbkException("WAL segment " + missing.get(0) + " (" + missing.size() + " of the segments "
                        + "this backup needs, up to stop LSN " + stop + ") did not arrive in the repository within "
                        + timeout.toSeconds() + " s: " + hint);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgbkException("interrupted while waiting for WAL segment " + missing.get(0), e);
            }
            missing = missing(startTimeline, missing.get(0).startLsn(segmentSize), stopTimeline, stop);
        }
    }
}
