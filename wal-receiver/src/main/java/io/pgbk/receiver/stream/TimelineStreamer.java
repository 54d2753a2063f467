/*
 * Runs one START_REPLICATION: WAL from the server into the spool, status updates back, until
 * the server ends the timeline, the receiver is told to stop, or something fails (thrown).
 *
 * Status updates report write = received and flush = what the spool counts as safe (see
 * SegmentSpool), apply = invalid. They go out at the status interval, at once when the server
 * asks (a keepalive with the reply flag), and in synchronous mode as soon as everything the
 * server has sent so far is written (no further message has arrived: a look that does not wait),
 * fsynced, as pg_receivewal does, and at least every 20 ms while WAL keeps coming. A commit on
 * the primary waits for that report, so the synchronous path never waits for the network. A
 * server silent for half the receive timeout is asked for a keepalive; silent for all of it, it
 * is given up.
 *
 * A shutting-down server asks for a reply and then waits until the reply's flush position (or,
 * when flush is invalid, its write position) reaches everything it sent. Our flush lags behind
 * the repository, so such a reply carries flush = invalid whenever flush is behind write: the
 * server's shutdown completes at once, and the slot, which moves only on a valid flush position,
 * stays where the repository is. pg_receivewal reports its local fsync position instead.
 */
package io.pgbk.receiver.stream;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.receiver.replication.PgTimestamp;
import io.pgbk.receiver.replication.ReplicationConnection;
import io.pgbk.receiver.replication.ReplicationFailure;
import io.pgbk.receiver.replication.ReplicationStream;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.replication.StandbyStatus;
import io.pgbk.receiver.replication.StreamMessage;
import io.pgbk.receiver.spool.SegmentSpool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

public final class TimelineStreamer {

    private static final Logger LOG = LoggerFactory.getLogger(TimelineStreamer.class);
    /** How long a wait for the server may last before the stop flag is looked at again. */
    private static final Duration STOP_CHECK = Duration.ofMillis(250);
    /** In synchronous mode, the longest a steady flow of WAL may go unreported (and unsynced). */
    private static final Duration SYNCHRONOUS_BATCH = Duration.ofMillis(20);

    public enum Outcome { TIMELINE_ENDED, STOPPED }

    private final StreamSettings settings;
    private final Clock clock;

    public TimelineStreamer(StreamSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public Outcome stream(ReplicationConnection connection, Optional<SlotName> slot, WalPosition start,
                          SegmentSpool spool, BooleanSupplier stopRequested) {
        spool.begin(start.timeline(), start.lsn());
        ReplicationStream stream = connection.startStreaming(slot, start.lsn(), start.timeline());
        LOG.info("streaming WAL from {} at {}", connection.target(), start);
        Instant lastHeard = clock.instant();
        Instant nextStatus = lastHeard;
        Optional<Instant> unreportedSince = Optional.empty();
        boolean asked = false;
        while (!stopRequested.getAsBoolean()) {
            Instant now = clock.instant();
            boolean batchDue = unreportedSince.filter(since -> !now.isBefore(since.plus(SYNCHRONOUS_BATCH))).isPresent();
            if (!now.isBefore(nextStatus) || batchDue) {
                syncAndReport(stream, spool);
                unreportedSince = Optional.empty();
                nextStatus = now.plus(settings.statusInterval());
            }
            if (unreportedSince.isPresent() && !stream.hasPending()) {
                syncAndReport(stream, spool);
                unreportedSince = Optional.empty();
            }
            Optional<StreamMessage> message = stream.next(min(Duration.between(now, nextStatus), STOP_CHECK));
            if (message.isEmpty()) {
                Duration silence = Duration.between(lastHeard, clock.instant());
                if (silence.compareTo(settings.receiveTimeout()) > 0) {
                    throw new ReplicationFailure("no message from " + connection.target() + " for "
                            + silence.toSeconds() + " s: giving the connection up");
                }
                if (!asked && silence.compareTo(settings.receiveTimeout().dividedBy(2)) > 0) {
                    report(stream, spool, true);
                    asked = true;
                }
                continue;
            }
            lastHeard = clock.instant();
            asked = false;
            StreamMessage received = message.get();
            if (received instanceof StreamMessage.XLogData data) {
                spool.write(data.walStart(), data.data());
                if (settings.synchronous() && unreportedSince.isEmpty()) {
                    unreportedSince = Optional.of(lastHeard);
                }
            } else if (received instanceof StreamMessage.Keepalive keepalive) {
                if (keepalive.replyRequested()) {
                    spool.sync();
                    Lsn flushed = spool.flushPosition();
                    send(stream, spool.received(), flushed.equals(spool.received()) ? flushed : Lsn.INVALID, false);
                    unreportedSince = Optional.empty();
                }
            } else {
                LOG.info("{} ended timeline {} at {}", connection.target(), start.timeline(), spool.received());
                spool.endOfTimeline();
                return Outcome.TIMELINE_ENDED;
            }
        }
        syncAndReport(stream, spool);
        stream.finish();
        return Outcome.STOPPED;
    }

    private void syncAndReport(ReplicationStream stream, SegmentSpool spool) {
        spool.sync();
        report(stream, spool, false);
    }

    private void report(ReplicationStream stream, SegmentSpool spool, boolean replyRequested) {
        send(stream, spool.received(), spool.flushPosition(), replyRequested);
    }

    private void send(ReplicationStream stream, Lsn written, Lsn flushed, boolean replyRequested) {
        stream.send(new StandbyStatus(written, flushed, Lsn.INVALID, PgTimestamp.of(clock.instant()), replyRequested));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
