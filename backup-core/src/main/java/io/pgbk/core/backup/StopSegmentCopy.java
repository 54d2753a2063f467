/*
 * The last WAL segment a standby's backup needs, stored from the standby's own pg_wal when the
 * primary's archiving is behind by just that segment.
 *
 * The backup asks the primary for a WAL switch as its copy begins (BackupEngine), so that the
 * segment holding the stop LSN is complete, and archived by the time the copy ends. But
 * archive_command often starts a process per segment, which on a machine busy with the backup
 * itself was still at work when the copy of a small incremental backup ended: the backup waited
 * up to a quarter of a second for it. The standby holds the same segment byte for byte once it
 * has received it whole (streaming replication sends the primary's WAL as written, the padding
 * after the switch included), so the backup stores it from there, through the same WalArchive
 * as wal-push; the primary's own push of it then finds identical content, which succeeds.
 *
 * Only when archiving works and is merely behind: the segment before this one must be in the
 * repository already. A backup whose WAL never arrives (archive_command broken) still fails
 * after archive-timeout rather than hiding the breakage behind a copy of its own. Anything that
 * keeps the copy from happening (a standby fed by restore_command, which receives nothing by
 * streaming; the segment gone from pg_wal) leaves the backup waiting for the archive as before.
 */
package io.pgbk.core.backup;

import io.pgbk.core.archive.PushResult;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class StopSegmentCopy {
    private static final Logger log = LoggerFactory.getLogger(StopSegmentCopy.class);

    /** As WalArrival's: the standby has usually received the segment long before the copy ends. */
    private static final Duration POLL = Duration.ofMillis(20);
    /**
     * A standby that streams receives a finished segment within milliseconds: one that has not after
     * this is lagging, and the backup waits for the archive instead (archive-timeout).
     */
    private static final Duration RECEIVE_WAIT = Duration.ofSeconds(5);

    private final WalArchive archive;
    private final WalSegmentSize segmentSize;
    private final Clock clock;

    StopSegmentCopy(WalArchive archive, WalSegmentSize segmentSize, Clock clock) {
        this.archive = archive;
        this.segmentSize = segmentSize;
        this.clock = clock;
    }

    /**
     * Stores segment from walDirectory (the standby's pg_wal) once the standby has received all of
     * it, unless the repository gets it first or archiving does not work; gives up when the standby
     * has not received it after RECEIVE_WAIT.
     */
    void store(BackupSession standby, Path walDirectory, WalSegmentName segment) {
        if (archive.stat(segment.toString()).isPresent()) {
            return;
        }
        long number = segment.segmentNumber(segmentSize);
        WalSegmentName previous = WalSegmentName.ofSegmentNumber(segment.timeline(), number - 1, segmentSize);
        if (number == 0 || archive.stat(previous.toString()).isEmpty()) {
            log.debug("not storing {} from the standby: the repository lacks {} as well", segment, previous);
            return;
        }
        Lsn end = segment.next(segmentSize).startLsn(segmentSize);
        Instant deadline = clock.instant().plus(RECEIVE_WAIT);
        while (clock.instant().isBefore(deadline)) {
            Optional<Lsn> received = standby.receivedLsn();
            if (received.isEmpty()) {
                log.debug("not storing {} from the standby: it does not stream WAL", segment);
                return;
            }
            if (received.get().compareTo(end) >= 0) {
                push(walDirectory.resolve(segment.toString()));
                return;
            }
            if (archive.stat(segment.toString()).isPresent()) {
                return;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgbkException("interrupted while waiting for the standby to receive " + segment, e);
            }
        }
        log.debug("not storing {} from the standby: it has not received all of it in {} s", segment,
                RECEIVE_WAIT.toSeconds());
    }

    private void push(Path file) {
        try {
            PushResult result = archive.push(file);
            log.debug("stored {} from the standby's pg_wal: {}", file.getFileName(), result.outcome());
        } catch (PgbkException e) {
            // the archive may still get it from the primary: waiting for it says what is wrong if not
            log.warn("cannot store {} from the standby: {}", file, e.getMessage());
        }
    }
}
