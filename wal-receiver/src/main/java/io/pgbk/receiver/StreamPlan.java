/*
 * Where to start the next START_REPLICATION: which timeline, from which segment boundary. This
 * is the receiver's one real decision, kept apart from the connection so it can be tested
 * without a server.
 *
 * The answer follows pg_receivewal: resume at the segment after the newest complete one (or at
 * the start of the segment still being received, which is then streamed again), on that WAL's
 * timeline, and let the server's history carry us forward. The history adds two rules:
 * - a timeline that ended before the position we hold (we received WAL the new primary never
 *   had: a failover lost it) is left at its switch point; that WAL stays on the old timeline and
 *   streaming resumes on the successor from the segment holding the switch point, as a promoted
 *   server does;
 * - we never ask for a historic timeline at or after its switch point (the server would answer
 *   with no stream at all), we move on to its successor instead.
 * With nothing held yet, streaming starts at the slot's restart position or else at the
 * server's current segment.
 */
package io.pgbk.receiver;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineHistory;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;

import java.util.Optional;

public record StreamPlan(TimelineId timeline, Lsn start) {

    /**
     * @param held         how far the WAL already received or stored reaches, if any
     * @param server       the history of the server's current timeline
     * @param serverFlush  the server's flush position (IDENTIFY_SYSTEM xlogpos)
     * @param slotRestart  the restart position of the receiver's slot on that server, if it has one
     */
    public static StreamPlan choose(Optional<WalPosition> held, TimelineHistory server, Lsn serverFlush,
                                    Optional<Lsn> slotRestart, WalSegmentSize size) {
        WalPosition from = held.orElseGet(() -> {
            Lsn position = slotRestart.filter(Lsn::isValid).orElse(serverFlush);
            return new WalPosition(server.timelineAt(position.segmentStart(size)), position);
        });
        if (!server.contains(from.timeline())) {
            throw new PgbkException("the WAL received so far reaches " + from + ", but timeline " + from.timeline()
                    + " is not in the history of the server's timeline " + server.current()
                    + ": the server is behind or on another branch");
        }
        TimelineId timeline = from.timeline();
        Lsn position = from.lsn();
        while (!timeline.equals(server.current())) {
            Lsn switchPoint = server.switchPoint(timeline).orElseThrow();
            if (position.compareTo(switchPoint) < 0) {
                break;
            }
            timeline = server.successor(timeline);
            position = switchPoint;
        }
        Lsn start = position.segmentStart(size);
        if (timeline.equals(server.current()) && start.compareTo(serverFlush) > 0) {
            throw new PgbkException("the server has flushed WAL only up to " + serverFlush + " on timeline " + timeline
                    + ", behind the " + start + " already received: it is not the primary or it lost WAL");
        }
        return new StreamPlan(timeline, start);
    }

    public WalPosition position() {
        return new WalPosition(timeline, start);
    }

    @Override
    public String toString() {
        return start + " on timeline " + timeline;
    }
}
