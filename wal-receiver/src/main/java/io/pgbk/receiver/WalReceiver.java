/*
 * The streaming WAL receiver (pgbk receive-wal): asks the PrimaryLocator where the primary is,
 * streams its WAL into the segment spool, hands finished files to the repository, follows
 * timeline switches, and reconnects with backoff after any failure until stop() is called.
 *
 * On each connection it
 * - refuses a server whose system identifier is not the cluster's (a DCS or conninfo pointing at
 *   the wrong place must not mix another cluster's WAL into the repository);
 * - makes sure its replication slot exists there (after a failover the new primary may lack it);
 * - asks StreamPlan where to start: after the WAL held in the spool or the repository, on the
 *   right timeline of the server's history;
 * - hands over the history file of a timeline before the first WAL of that timeline;
 * - streams until the timeline ends, then asks the server again (IDENTIFY_SYSTEM) and moves on.
 * Within one run the receiver remembers exactly how far it got; a new run reads the spool and
 * the repository.
 */
package io.pgbk.receiver;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.cluster.PrimaryLocator;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.receiver.conninfo.ConnInfo;
import io.pgbk.receiver.conninfo.PasswordFile;
import io.pgbk.receiver.replication.ReplicationConnection;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.replication.SlotState;
import io.pgbk.receiver.replication.SystemIdentity;
import io.pgbk.receiver.spool.CompletedWalConsumer;
import io.pgbk.receiver.spool.SegmentSpool;
import io.pgbk.receiver.stream.TimelineStreamer;
import io.pgbk.receiver.timeline.TimelineHistory;
import io.pgbk.receiver.timeline.WalPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class WalReceiver implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(WalReceiver.class);
    /** The longest single wait on the locator, so that stop() is noticed soon during a backoff. */
    private static final Duration LOCATOR_WAIT = Duration.ofSeconds(1);

    private final ReceiverSettings settings;
    private final PrimaryLocator locator;
    private final CompletedWalConsumer consumer;
    private final Clock clock;
    private final Map<String, String> environment;
    private final TimelineStreamer streamer;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final Set<TimelineId> historiesHandedOver = new HashSet<>();

    private SegmentSpool spool;
    private Optional<SystemIdentifier> system;
    private Optional<WalPosition> reached = Optional.empty();
    private Optional<String> lastFailure = Optional.empty();

    /** environment: where PGPASSWORD, PGPASSFILE and the other libpq variables come from (System.getenv()). */
    public WalReceiver(ReceiverSettings settings, PrimaryLocator locator, CompletedWalConsumer consumer, Clock clock,
                       Map<String, String> environment) {
        this.settings = settings;
        this.locator = locator;
        this.consumer = consumer;
        this.clock = clock;
        this.environment = Map.copyOf(environment);
        this.streamer = new TimelineStreamer(settings.stream(), clock);
        this.system = settings.expectedSystem();
    }

    /** Receives until stop(); never throws for a failure it can retry (all of them). */
    @Override
    public void run() {
        Backoff backoff = settings.backoff();
        try {
            while (!stopRequested()) {
                Optional<ClusterMember> primary = locator.currentPrimary();
                if (primary.isEmpty()) {
                    LOG.info("no primary known; waiting");
                    pause(Optional.empty(), backoff.delay());
                    backoff = backoff.next();
                    continue;
                }
                try {
                    if (streamFrom(primary.get())) {
                        backoff = backoff.reset();
                    }
                } catch (PgbkException e) {
                    failed(e.getMessage());
                    LOG.warn("{}; retrying in {} ms", e.getMessage(), backoff.delay().toMillis());
                    LOG.debug("receiver failure", e);
                } catch (RuntimeException e) {
                    failed(e.toString());
                    LOG.error("unexpected failure, retrying in {} ms: {}", backoff.delay().toMillis(), e.toString(), e);
                }
                if (!stopRequested()) {
                    pause(primary, backoff.delay());
                    backoff = backoff.next();
                }
            }
        } finally {
            if (spool != null) {
                spool.close();
            }
            LOG.info("WAL receiver stopped");
        }
    }

    /** Asks run() to end: the current stream is ended cleanly and the spool closed. Any thread may call it. */
    public void stop() {
        stopSignal.countDown();
    }

    /** How far WAL has been received in this run, on which timeline. */
    public synchronized Optional<WalPosition> reached() {
        return reached;
    }

    /** The one-line message of the latest failure, for status displays; empty before any. */
    public synchronized Optional<String> lastFailure() {
        return lastFailure;
    }

    private synchronized void failed(String message) {
        lastFailure = Optional.of(message);
    }

    private boolean stopRequested() {
        return stopSignal.getCount() == 0;
    }

    /** Returns true once WAL flowed (so the backoff starts over), false when a stop came first. */
    private boolean streamFrom(ClusterMember member) {
        ConnInfo target = ConnInfo.parse(member.connUrl(), environment);
        try (ReplicationConnection connection = ReplicationConnection.open(target,
                PasswordFile.replicationPassword(target, environment), settings.applicationName(),
                settings.stream().receiveTimeout())) {
            SystemIdentity identity = connection.identifySystem();
            checkSystem(identity, target);
            WalSegmentSize size = connection.walSegmentSize();
            openSpool(size, target);
            Optional<Lsn> slotRestart = settings.slot().flatMap(slot -> ensureSlot(connection, slot))
                    .map(SlotState::restartLsn);
            boolean streamed = false;
            while (!stopRequested()) {
                TimelineHistory history = identity.timeline().equals(TimelineId.FIRST)
                        ? TimelineHistory.ofFirst()
                        : TimelineHistory.parse(identity.timeline(), connection.timelineHistory(identity.timeline()).text());
                Optional<WalPosition> held = reached().or(spool::reach);
                StreamPlan plan = StreamPlan.choose(held, history, identity.flushPosition(), slotRestart, size);
                handOverHistory(connection, plan.timeline());
                TimelineStreamer.Outcome outcome;
                try {
                    outcome = streamer.stream(connection, settings.slot(), plan.position(), spool, this::stopRequested);
                } finally {
                    if (spool.timeline() != null) {
                        remember(new WalPosition(spool.timeline(), spool.received()));
                    }
                }
                streamed = true;
                if (outcome == TimelineStreamer.Outcome.STOPPED) {
                    break;
                }
                identity = connection.identifySystem();
            }
            return streamed;
        }
    }

    private void checkSystem(SystemIdentity identity, ConnInfo target) {
        if (system.isEmpty()) {
            system = Optional.of(identity.systemIdentifier());
        } else if (!system.get().equals(identity.systemIdentifier())) {
            throw new PgbkException(target + " belongs to the cluster with system identifier "
                    + identity.systemIdentifier() + ", not " + system.get() + ": refusing its WAL");
        }
    }

    private void openSpool(WalSegmentSize size, ConnInfo target) {
        if (spool == null) {
            spool = SegmentSpool.open(settings.spool(), size, consumer, settings.stream().synchronous());
        } else if (!spool.segmentSize().equals(size)) {
            throw new PgbkException(target + " uses WAL segments of " + size + ", not " + spool.segmentSize());
        }
    }

    private Optional<SlotState> ensureSlot(ReplicationConnection connection, SlotName slot) {
        Optional<SlotState> state = connection.readReplicationSlot(slot);
        if (state.isEmpty() && settings.createSlot()) {
            connection.createPhysicalSlot(slot);
            state = connection.readReplicationSlot(slot);
        }
        if (state.isEmpty()) {
            throw new PgbkException("replication slot " + slot + " does not exist on " + connection.target());
        }
        return state;
    }

    /** The history of a timeline reaches the repository before any of its WAL. */
    private void handOverHistory(ReplicationConnection connection, TimelineId timeline) {
        if (!timeline.equals(TimelineId.FIRST) && historiesHandedOver.add(timeline)) {
            spool.addHistory(connection.timelineHistory(timeline));
        }
    }

    private synchronized void remember(WalPosition position) {
        reached = Optional.of(position);
    }

    /** Waits for the delay, ending early on stop() or when the locator names another primary. */
    private void pause(Optional<ClusterMember> known, Duration delay) {
        Instant end = clock.instant().plus(delay);
        while (!stopRequested()) {
            Duration left = Duration.between(clock.instant(), end);
            if (left.isNegative() || left.isZero()) {
                return;
            }
            Duration wait = left.compareTo(LOCATOR_WAIT) < 0 ? left : LOCATOR_WAIT;
            if (known.isPresent()) {
                if (locator.awaitPrimaryChange(known.get(), wait).isPresent()) {
                    return;
                }
            } else {
                try {
                    if (stopSignal.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stop();
                }
            }
        }
    }
}
