/*
 * The streaming WAL receiver (pgbk receive-wal): asks the PrimaryLocator where the primary is,
 * streams its WAL into the segment spool, hands finished files to the repository, follows
 * timeline switches, and reconnects with backoff after any failure until stop() is called.
 *
 * On each connection it
 * - refuses a server whose system identifier is not the cluster's (a DCS or conninfo pointing at
 *   the wrong place must not mix another cluster's WAL into the repository), and claims a
 *   brand-new repository for the server's cluster before anything is stored;
 * - when following a DCS (primaryOnly), refuses a server in recovery: the leader key names a
 *   node before it is promoted and after it is demoted;
 * - makes sure its replication slot exists there (after a failover the new primary may lack it);
 * - asks StreamPlan where to start: after the WAL held in the spool or the repository, on the
 *   right timeline of the server's history;
 * - hands over the history file of a timeline before the first WAL of that timeline;
 * - streams until the timeline ends, then asks the server again (IDENTIFY_SYSTEM) and moves on;
 *   a PrimaryWatch ends the stream early when the locator names another primary.
 * A server that no longer has the WAL the receiver needs ("requested WAL segment ... has already
 * been removed") leaves a gap: it is logged as an error, recorded through the consumer, and
 * streaming resumes where that server's WAL begins (its slot's restart position, else its
 * current segment).
 * A repository that stops taking WAL makes it pile up in the spool; once the spool holds
 * spoolMax bytes that are not stored the receiver ends the stream and raises an alarm at every
 * status interval until the repository has taken half of it: the slot keeps the WAL on the
 * primary meanwhile, and nothing is reported flushed that the repository does not hold.
 * A locator that fails (an unreachable DCS) does not stop the receiver: it keeps the primary it
 * knows and asks again later.
 * Within one run the receiver remembers exactly how far it got; a new run reads the spool and
 * the repository.
 */
package io.pgbk.receiver;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.cluster.PrimaryLocator;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineHistory;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.receiver.conninfo.ConnInfo;
import io.pgbk.receiver.conninfo.PasswordFile;
import io.pgbk.receiver.replication.ReplicationConnection;
import io.pgbk.receiver.replication.ReplicationFailure;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.replication.SlotState;
import io.pgbk.receiver.replication.SystemIdentity;
import io.pgbk.receiver.spool.CompletedWalConsumer;
import io.pgbk.receiver.spool.SegmentSpool;
import io.pgbk.receiver.stream.TimelineStreamer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
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
    private final List<WalGap> gaps = new CopyOnWriteArrayList<>();

    private SegmentSpool spool;
    private Optional<SystemIdentifier> system;
    private Optional<WalPosition> reached = Optional.empty();
    private Optional<String> lastFailure = Optional.empty();
    /** Where stored WAL ends when the server reported our next WAL removed: the gap starts here. */
    private Optional<WalPosition> missingFrom = Optional.empty();

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
        Optional<ClusterMember> known = Optional.empty();
        try {
            while (!stopRequested()) {
                if (spoolFull()) {
                    awaitRoom();
                    continue;
                }
                Optional<ClusterMember> primary = locate(known);
                if (primary.isEmpty()) {
                    LOG.info("no primary known; waiting");
                    pause(Optional.empty(), backoff.delay());
                    backoff = backoff.next();
                    continue;
                }
                known = primary;
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

    /** The locator's primary; the one known before when the locator cannot answer now. */
    private Optional<ClusterMember> locate(Optional<ClusterMember> known) {
        try {
            return locator.currentPrimary();
        } catch (PgbkException e) {
            failed(e.getMessage());
            LOG.warn("cannot ask where the primary is: {}{}", e.getMessage(),
                    known.map(member -> "; staying with " + member.name()).orElse(""));
            return known;
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

    /** The gaps found in this run, oldest first. */
    public List<WalGap> gaps() {
        return List.copyOf(gaps);
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
            if (settings.primaryOnly() && connection.inRecovery()) {
                throw new PgbkException(target + " (" + member.name() + ") is in recovery, not a primary: "
                        + "waiting for it to be promoted or for another primary");
            }
            WalSegmentSize size = connection.walSegmentSize();
            consumer.claim(new ClusterInfo(identity.systemIdentifier(), connection.majorVersion(), size,
                    connection.walBlockSize(), ClusterInfo.FORMAT_VERSION), target.toString());
            openSpool(size, target);
            Optional<Lsn> slotRestart = settings.slot().flatMap(slot -> ensureSlot(connection, slot))
                    .map(SlotState::restartLsn);
            LOG.info("connected to {} ({}), timeline {}, WAL flushed to {}", member.name(), target,
                    identity.timeline().value(), identity.flushPosition());
            return streamWatched(member, connection, identity, size, slotRestart);
        }
    }

    /** Streams timeline after timeline from a checked connection while a PrimaryWatch looks out for a new primary. */
    private boolean streamWatched(ClusterMember member, ReplicationConnection connection, SystemIdentity identity,
                                  WalSegmentSize size, Optional<Lsn> slotRestart) {
        ConnInfo target = connection.target();
        try (PrimaryWatch watch = PrimaryWatch.start(locator, member, settings.backoff())) {
            boolean streamed = false;
            while (!stopRequested() && !watch.primaryMoved()) {
                TimelineHistory history = identity.timeline().equals(TimelineId.FIRST)
                        ? TimelineHistory.ofFirst()
                        : TimelineHistory.parse(identity.timeline(), connection.timelineHistory(identity.timeline()).text());
                if (missingFrom.isPresent()) {
                    skipGap(missingFrom.get(), history, identity.flushPosition(), slotRestart, size, target);
                }
                Optional<WalPosition> held = reached().or(spool::reach);
                warnIfSlotAhead(held, slotRestart, target);
                StreamPlan plan = StreamPlan.choose(held, history, identity.flushPosition(), slotRestart, size);
                handOverHistory(connection, plan.timeline());
                TimelineStreamer.Outcome outcome;
                try {
                    outcome = streamer.stream(connection, settings.slot(), plan.position(), spool,
                            () -> stopRequested() || watch.primaryMoved() || spoolFull());
                } catch (ReplicationFailure e) {
                    if (isWalRemoved(e)) {
                        missingFrom = Optional.of(plan.position());
                    }
                    throw e;
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
                LOG.info("{} is now on timeline {}", member.name(), identity.timeline().value());
            }
            return streamed;
        }
    }

    private boolean spoolFull() {
        return spool != null && settings.spoolMax().reachedBy(spool.backlog());
    }

    /** Raises the alarm at every status interval until the repository has taken half of the spool's backlog. */
    private void awaitRoom() {
        while (!stopRequested() && !settings.spoolMax().roomFor(spool.backlog())) {
            String alarm = "spool " + spool.directory() + " holds " + spool.backlog()
                    + " bytes of WAL not yet in the repository (limit " + settings.spoolMax()
                    + "): " + spool.lastStoreFailure().map(failure -> "the repository is not taking WAL: " + failure)
                            .orElse("the repository takes WAL slower than the primary writes it")
                    + "; not receiving until it has caught up (the slot keeps the WAL on the primary)";
            failed(alarm);
            LOG.error(alarm);
            sleepUnlessStopped(settings.stream().statusInterval());
        }
        if (!stopRequested()) {
            LOG.info("the spool holds {} bytes not yet stored, under half the limit of {}: receiving again",
                    spool.backlog(), settings.spoolMax());
        }
    }

    private static boolean isWalRemoved(ReplicationFailure e) {
        return e.getMessage() != null && e.getMessage().contains("has already been removed");
    }

    /**
     * The server lacks WAL from `from` on: resume where its WAL begins, the slot's restart
     * position when that is later, else the server's current segment, and record what lies between.
     */
    private void skipGap(WalPosition from, TimelineHistory history, Lsn serverFlush, Optional<Lsn> slotRestart,
                         WalSegmentSize size, ConnInfo target) {
        Lsn resume = slotRestart.filter(restart -> restart.isValid() && restart.compareTo(from.lsn()) > 0)
                .orElse(serverFlush).segmentStart(size);
        WalPosition to = new WalPosition(history.timelineAt(resume), resume);
        WalGap gap = new WalGap(from, to, clock.instant(), target.toString(),
                "START_REPLICATION: requested WAL segment has already been removed");
        LOG.error("WAL GAP: {} no longer has the WAL from {} to {}; it is lost to the repository, no restore can "
                + "replay across it; recording the gap and streaming on from {}", target, from, to, to);
        consumer.recordGap(gap);
        gaps.add(gap);
        missingFrom = Optional.empty();
        remember(to);
    }

    private static void warnIfSlotAhead(Optional<WalPosition> held, Optional<Lsn> slotRestart, ConnInfo target) {
        if (held.isPresent() && slotRestart.isPresent() && slotRestart.get().compareTo(held.get().lsn()) > 0) {
            LOG.warn("the replication slot on {} starts at {}, after the {} pgbk holds (re-created by a failover?): "
                    + "the WAL between may already be gone", target, slotRestart.get(), held.get());
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
            LOG.warn("replication slot {} did not exist on {} (new primary, or dropped): created it at {}; WAL that "
                    + "pgbk had not stored before that may be gone, which streaming will show as a WAL GAP", slot,
                    connection.target(), state.map(SlotState::restartLsn).orElse(Lsn.INVALID));
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
                if (awaitPrimaryChange(known.get(), wait)) {
                    return;
                }
            } else {
                sleepUnlessStopped(wait);
            }
        }
    }

    /** True when the locator names another primary; a failing locator counts as no news. */
    private boolean awaitPrimaryChange(ClusterMember known, Duration wait) {
        try {
            return locator.awaitPrimaryChange(known, wait).isPresent();
        } catch (PgbkException e) {
            LOG.debug("cannot ask where the primary is: {}", e.getMessage());
            sleepUnlessStopped(wait);
            return false;
        }
    }

    private void sleepUnlessStopped(Duration wait) {
        try {
            stopSignal.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        }
    }
}
