/*
 * The background half of restore_command: keeps the next `depth` segments recovery will ask for
 * in the spool's in/ directory, fetched on `jobs` threads, so that bin/pgbk can hand each one
 * out with a rename instead of a JVM start and a repository round trip.
 *
 * It follows recovery through the queue: a segment taken out of in/ makes room for the next one.
 * It starts over wherever the foreground command says recovery went (PrefetchQueue.continueFrom).
 * The first segment the repository lacks is the end of the archive for now: it is asked for
 * again every second, since archiving may still be under way, and each answer is recorded in the
 * spool (PrefetchQueue.recordMissing). The history files recovery asks for when it starts and
 * when it ends, at the end of the archive or at a target (this timeline's and the next one's),
 * are looked for every second as well, so that neither costs a JVM, and before the first request is
 * answered: recovery asks for the next timeline's history file right after it learns that a
 * segment is missing, which may be the prefetcher's first answer.
 *
 * A segment recovery asks for and in/ lacks (not fetched yet, taken already and read again at the
 * end of recovery, on another timeline) is requested by bin/pgbk in want/: it waits for the answer
 * instead of starting a JVM, so requests are answered first, within a few milliseconds even while
 * the prefetcher waits, and a request off the queue's course re-aims the queue there.
 * After `idleTimeout` without any movement (nothing fetched, taken or requested) the prefetcher
 * exits; the next restore_command that misses the spool starts another. Only one runs per spool
 * (SpoolLock).
 */
package io.pgbk.core.archive;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class WalPrefetcher {

    private static final Logger log = LoggerFactory.getLogger(WalPrefetcher.class);
    private static final Duration QUEUE_FULL_POLL = Duration.ofMillis(50);
    private static final Duration REQUEST_POLL = Duration.ofMillis(10);
    private static final Duration END_OF_ARCHIVE_POLL = Duration.ofSeconds(1);
    /** Well within the few seconds bin/pgbk trusts a missing marker for (MISSING_TRUST_MS). */
    private static final Duration HISTORY_POLL = Duration.ofSeconds(1);
    private static final Duration LOCK_WAIT = Duration.ofSeconds(15);

    private final Repository repository;
    private final ArchiveSpool spool;
    private final int depth;
    private final int jobs;
    private final Duration idleTimeout;
    private final Clock clock;

    public WalPrefetcher(Repository repository, ArchiveSpool spool, int depth, int jobs, Duration idleTimeout, Clock clock) {
        if (depth < 1 || jobs < 1) {
            throw new IllegalArgumentException("depth and jobs must be at least 1");
        }
        this.repository = repository;
        this.spool = spool;
        this.depth = depth;
        this.jobs = jobs;
        this.idleTimeout = idleTimeout;
        this.clock = clock;
    }

    /**
     * Runs until idle; returns when another prefetcher still holds the spool after a short wait
     * (the wal-fetch that started this one holds it while it fetches the first segments), or at
     * once when nothing is archived.
     */
    public void run() throws InterruptedException {
        Optional<SpoolLock> acquired = SpoolLock.tryAcquire(spool.prefetchLock());
        if (acquired.isEmpty()) {
            acquired = awaitLock();
        }
        if (acquired.isEmpty()) {
            log.debug("another prefetcher is running for {}", spool.root());
            return;
        }
        try (SpoolLock lock = acquired.get()) {
            Optional<ClusterInfo> cluster = repository.clusterInfo();
            if (cluster.isEmpty()) {
                log.info("{} holds no WAL yet: nothing to prefetch", repository.describe());
                return;
            }
            PrefetchQueue queue = spool.prefetchQueue();
            queue.bindTo(cluster.get().systemIdentifier());
            follow(queue, cluster.get().walSegmentSize());
        }
    }

    private Optional<SpoolLock> awaitLock() throws InterruptedException {
        Path waiting = spool.prefetcherWaiting();
        try {
            Files.write(waiting, new byte[0]);
            Optional<SpoolLock> acquired = Optional.empty();
            Instant deadline = clock.instant().plus(LOCK_WAIT);
            while (acquired.isEmpty() && clock.instant().isBefore(deadline)) {
                Thread.sleep(QUEUE_FULL_POLL.toMillis());
                acquired = SpoolLock.tryAcquire(spool.prefetchLock());
            }
            Files.deleteIfExists(waiting);
            return acquired;
        } catch (IOException e) {
            throw new PgbkException("cannot write " + waiting + ": " + e.getMessage(), e);
        }
    }

    private void follow(PrefetchQueue queue, WalSegmentSize size) throws InterruptedException {
        WalArchive archive = new WalArchive(repository, Compression.NONE);
        WalSegmentName start = queue.requestedStart().orElse(null);
        WalSegmentName next = start;
        if (start != null) {
            queue.keepOnly(window(start, size));
            log.info("prefetching from {}", start);
        }
        Set<String> lastQueued = Set.of();
        boolean atEnd = false;
        Instant lastMovement = clock.instant();
        Instant historiesChecked = Instant.MIN;
        while (Duration.between(lastMovement, clock.instant()).compareTo(idleTimeout) < 0) {
            // Before any answer: recovery asks for a history file right after it learns that a segment
            // is missing, and bin/pgbk starts a JVM when it finds no fresh marker for it.
            if (next != null && !clock.instant().isBefore(historiesChecked.plus(HISTORY_POLL))) {
                historiesChecked = clock.instant();
                lookForTimelineHistories(queue, archive, next.timeline(), historiesChecked);
            }
            // bin/pgbk waits for these instead of starting a JVM: they come before reading ahead.
            for (String request : queue.requested()) {
                try {
                    WalSegmentName wanted = WalSegmentName.parse(request);
                    if (next == null || !onCourse(wanted, next, size)) {
                        if (next == null || !wanted.timeline().equals(next.timeline())) {
                            historiesChecked = clock.instant();
                            lookForTimelineHistories(queue, archive, wanted.timeline(), historiesChecked);
                        }
                        start = wanted;
                        next = wanted;
                        queue.continueFrom(wanted);
                        queue.keepOnly(window(start, size));
                        log.info("prefetching from {}, where recovery asks", start);
                    }
                    if (!queue.queued().contains(request) && queue.isRequested(request) && fetchOne(queue, archive, request)
                            && wanted.equals(next)) {
                        next = next.next(size);
                    }
                } catch (PgbkException e) {
                    log.warn("cannot answer the request for {}: {}", request, e.getMessage());
                }
                queue.settleRequest(request);
                lastMovement = clock.instant();
            }
            Optional<WalSegmentName> requested = queue.requestedStart();
            if (requested.isEmpty()) {
                awaitRequest(queue, QUEUE_FULL_POLL);
                continue;
            }
            if (!requested.get().equals(start)) {
                start = requested.get();
                next = start;
                queue.keepOnly(window(start, size));
                log.info("prefetching from {}", start);
                lastMovement = clock.instant();
            }
            Set<String> queued = queue.queued();
            if (!queued.equals(lastQueued)) {
                lastQueued = queued;
                lastMovement = clock.instant();
            }
            List<String> batch = new ArrayList<>();
            // At the end of the archive only the missing segment is asked for, not a whole window of absent ones.
            int room = atEnd ? Math.min(1, depth - queued.size()) : depth - queued.size();
            for (WalSegmentName name = next; batch.size() < room; name = name.next(size)) {
                if (!queued.contains(name.toString())) {
                    batch.add(name.toString());
                }
            }
            if (batch.isEmpty()) {
                awaitRequest(queue, QUEUE_FULL_POLL);
                continue;
            }
            atEnd = false;
            Instant checkedAt = clock.instant();
            for (Attempt<Boolean> attempt : archive.fetchAll(batch, queue.directory(), jobs)) {
                if (!settle(queue, attempt, checkedAt)) {
                    atEnd = true;
                    break;
                }
                next = WalSegmentName.parse(attempt.walName()).next(size);
                lastMovement = clock.instant();
            }
            if (atEnd) {
                awaitRequest(queue, END_OF_ARCHIVE_POLL);
            }
        }
        log.info("nothing to do for {}: stopping", idleTimeout);
    }

    /*
     * Whether a segment recovery asks for lies on the queue's course: the next one, or the one
     * before it, which recovery reads again at its end (and the missing markers recorded for the
     * end of the archive must then stay). Anything else means recovery went elsewhere.
     */
    private static boolean onCourse(WalSegmentName wanted, WalSegmentName next, WalSegmentSize size) {
        return wanted.equals(next) || wanted.next(size).equals(next);
    }

    private boolean fetchOne(PrefetchQueue queue, WalArchive archive, String walName) {
        Instant checkedAt = clock.instant();
        return settle(queue, archive.fetchAll(List.of(walName), queue.directory(), 1).get(0), checkedAt);
    }

    /** Records what one fetch found (true: fetched); only a clean "not there" is recorded as missing. */
    private static boolean settle(PrefetchQueue queue, Attempt<Boolean> attempt, Instant checkedAt) {
        if (attempt.succeeded() && attempt.result().orElse(false)) {
            queue.forgetMissing(attempt.walName());
            return true;
        }
        // A failure to ask says nothing about the archive.
        attempt.failure().map(PgbkException::getMessage).ifPresentOrElse(
                message -> log.warn("cannot prefetch {}: {}", attempt.walName(), message),
                () -> queue.recordMissing(attempt.walName(), checkedAt));
        return false;
    }

    /** Sleeps up to pause, and less when bin/pgbk asks for a segment meanwhile. */
    private void awaitRequest(PrefetchQueue queue, Duration pause) throws InterruptedException {
        Instant until = clock.instant().plus(pause);
        while (queue.requested().isEmpty() && clock.instant().isBefore(until)) {
            Thread.sleep(REQUEST_POLL.toMillis());
        }
    }

    /*
     * When it starts and when it ends (at the end of the archive or at its target), recovery asks
     * whether a later timeline exists (recovery_target_timeline 'latest': the next timeline's
     * history file) and, choosing its new timeline, for the history file of the one it was on (none
     * exists for timeline 1).
     */
    public static void lookForTimelineHistories(PrefetchQueue queue, WalArchive archive, TimelineId timeline,
            Instant checkedAt) {
        for (String history : List.of(timeline.historyFileName(), timeline.next().historyFileName())) {
            try {
                if (archive.stat(history).isPresent()) {
                    queue.forgetMissing(history);
                } else {
                    queue.recordMissing(history, checkedAt);
                }
            } catch (PgbkException e) {
                queue.forgetMissing(history);
                log.warn("cannot look for {}: {}", history, e.getMessage());
            }
        }
    }

    private List<String> window(WalSegmentName start, WalSegmentSize size) {
        List<String> names = new ArrayList<>();
        WalSegmentName name = start;
        for (int i = 0; i < depth; i++, name = name.next(size)) {
            names.add(name.toString());
        }
        return names;
    }
}
