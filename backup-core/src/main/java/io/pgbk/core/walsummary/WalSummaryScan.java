/*
 * Builds the WAL summary of an incremental backup: the blocks changed between the parent's
 * start and this backup's start, from the WAL in between. In local mode segments come from the
 * node's pg_wal while it still holds them complete (LocalSegments: no decompression), else from
 * the repository (sealed, so their bytes are proven), and the newest ones, not archived yet,
 * from pg_wal again once the end is known; they are loaded on `jobs` threads, a few segments
 * ahead of the one being read.
 *
 * A segment summarised when it was archived (SegmentSummaries) is not read at all: its stored
 * summary stands for it. It covers all of the segment's records, also those after this backup's
 * start in the last one: more blocks to look at, never fewer. The parent's start segment is read
 * all the same, for its records from the parent's start on only.
 *
 * A summary is an optimisation, never a condition: whenever one cannot be built (a segment
 * neither archived nor in pg_wal, a timeline change in between, a record not understood, WAL
 * segments too large to hold a few in memory), the scan says why and the backup reads every
 * page of the changed files, as without it.
 *
 * A segment in pg_wal may be recycled (renamed to a future segment's name and overwritten) by a
 * restartpoint while it is read; it is read whole into memory and used only if its name still
 * names the same file afterwards. Its pages' addresses are checked by the reader besides, and a
 * segment whose pg_wal copy fails them is read again from the repository.
 */
package io.pgbk.core.walsummary;

import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class WalSummaryScan {
    private static final Logger log = LoggerFactory.getLogger(WalSummaryScan.class);
    /** What a task reads of the next segment, for the record that continues there. */
    private static final int NEXT_SEGMENT_PREFIX = 1024 * 1024;

    private final Repository repository;
    private final SegmentSummaries stored;
    private final Optional<LocalSegments> local;
    /**
     * Each reader thread's arrays for a segment and its successor's first pages, reused from one
     * segment to the next: a fresh 16 MiB array per segment cost zeroing and page faults, about a
     * seventh of a summary's CPU samples.
     */
    private final ThreadLocal<byte[]> segmentBuffer;
    private final ThreadLocal<byte[]> prefixBuffer;
    private final WalSegmentSize segmentSize;
    private final int jobs;

    /**
     * @param localWal the node's pg_wal, in local mode
     * @param jobs     segments read at a time, each by a task of its own
     */
    public WalSummaryScan(Repository repository, Optional<Path> localWal, WalSegmentSize segmentSize, int jobs) {
        this.repository = repository;
        this.stored = new SegmentSummaries(repository);
        this.local = localWal.map(directory -> new LocalSegments(directory, segmentSize));
        this.segmentSize = segmentSize;
        this.jobs = jobs;
        this.segmentBuffer = ThreadLocal.withInitial(() -> new byte[segmentSize.bytes()]);
        this.prefixBuffer = ThreadLocal.withInitial(() -> new byte[Math.min(NEXT_SEGMENT_PREFIX, segmentSize.bytes())]);
    }

    /**
     * The blocks changed by the records that begin in [from, end) on timeline, or empty (with the
     * reason logged) when they cannot be known.
     */
    public Optional<ChangedBlocks> summarise(TimelineId timeline, Lsn from, Lsn end) {
        return summarise(timeline, from, CompletableFuture.completedFuture(end),
                CompletableFuture.completedFuture(Long.MAX_VALUE));
    }

    /**
     * The same, begun before the end is known: an incremental backup starts it while
     * pg_backup_start waits for its checkpoint, and the archived segments are read meanwhile.
     * A segment the repository lacks is waited for until the end is known (only then is it
     * certain to be wanted, and in pg_wal).
     *
     * Each segment is read by its own task, `jobs` at a time: the page headers say where the
     * first record of a segment begins, so no task needs the one before. A task reads the records
     * that begin in its segment, and the first pages of the next segment for the one that ends
     * there.
     *
     * A summary costs reading the WAL, a scan of every page costs reading the changed files: past
     * maxWalBytes of WAL (the caller's judgement of where the scan is cheaper, which may come
     * later than the start: it is checked once known) there is none.
     */
    public Optional<ChangedBlocks> summarise(TimelineId timeline, Lsn from, Future<Lsn> end,
            Future<Long> maxWalBytes) {
        if (segmentSize.bytes() > SegmentSummaries.MAX_SEGMENT_SIZE) {
            log.info("WAL segments of {} are too large to summarise in memory: reading every page of changed files",
                    segmentSize);
            return Optional.empty();
        }
        long started = System.nanoTime();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService readers = Executors.newFixedThreadPool(jobs, runnable -> {
            Thread thread = new Thread(runnable, "pgbk-wal-summary-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        // tasks waiting for the end (segments not archived) must not keep the loop submitting
        Semaphore queued = new Semaphore(2 * jobs);
        try {
            List<Future<Optional<SegmentSummary>>> tasks = new ArrayList<>();
            long first = from.segmentNumber(segmentSize);
            long number = first;
            for (; !pastEnd(number, end); number++) {
                if (maxWalBytes.isDone()) {
                    requireWithin(number - first + 1, maxWalBytes);
                }
                acquire(queued);
                long segment = number;
                tasks.add(readers.submit(() -> {
                    try {
                        return summariseSegment(timeline, segment, from, end);
                    } finally {
                        queued.release();
                    }
                }));
            }
            requireWithin(number - first, maxWalBytes);
            ChangedBlocks summary = new ChangedBlocks();
            long records = 0;
            int fromStored = 0;
            long endSegment = await(end).segmentNumber(segmentSize);
            for (int i = 0; i < tasks.size(); i++) {
                Optional<SegmentSummary> segment = take(tasks.get(i));
                // a segment past the end, summarised when archived, is not wanted
                if (segment.isPresent() && first + i <= endSegment) {
                    summary.add(segment.get().blocks());
                    records += segment.get().records();
                    fromStored += segment.get().stored() ? 1 : 0;
                }
            }
            log.info("WAL summary from {} to {}: {} records ({} of {} segments summarised when archived), "
                    + "blocks of {} relations, in {} ms", from, await(end), records, fromStored,
                    endSegment - first + 1, summary.relationCount(), (System.nanoTime() - started) / 1_000_000);
            return Optional.of(summary);
        } catch (IOException | UncheckedIOException | PgbkException e) {
            log.info("no WAL summary from {} ({}): reading every page of changed files", from, e.getMessage());
            return Optional.empty();
        } finally {
            readers.shutdownNow();
        }
    }

    /**
     * The records that begin in one segment (from from on, before end); empty past the end's
     * segment. Read from pg_wal where it can be, and again from the repository if a segment read
     * there turns out damaged (recycled under the reader).
     */
    private Optional<SegmentSummary> summariseSegment(TimelineId timeline, long number, Lsn from, Future<Lsn> end)
            throws IOException {
        Optional<SegmentSummary> summary = storedSummary(WalSegmentName.ofSegmentNumber(timeline, number, segmentSize), from);
        if (summary.isPresent()) {
            return summary;
        }
        try {
            return summariseSegment(timeline, number, from, end, true);
        } catch (IOException e) {
            if (local.isEmpty()) {
                throw e;
            }
            log.debug("WAL segment {} again without pg_wal's copy: {}", number, e.getMessage());
            return summariseSegment(timeline, number, from, end, false);
        }
    }

    /**
     * The summary stored when the segment was archived, if it has one and it may stand for the
     * segment. Not for from's own segment, unless from is its start: before from, that segment
     * holds the records that made the parent's files what they are (a load, its VACUUM), and
     * its summary would name all their blocks.
     */
    private Optional<SegmentSummary> storedSummary(WalSegmentName name, Lsn from) {
        if (name.equals(WalSegmentName.from(name.timeline(), from, segmentSize)) && !from.segmentStart(segmentSize).equals(from)) {
            return Optional.empty();
        }
        try {
            return stored.load(name, segmentSize);
        } catch (IOException e) {
            log.info("reading WAL segment {} instead of its stored summary: {}", name, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<SegmentSummary> summariseSegment(TimelineId timeline, long number, Lsn from, Future<Lsn> end,
            boolean preferLocal) throws IOException {
        Optional<byte[]> bytes = load(timeline, number, end, segmentBuffer.get(), preferLocal);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        Lsn start = WalSegmentName.ofSegmentNumber(timeline, number, segmentSize).startLsn(segmentSize);
        long next = start.value() + segmentSize.bytes();
        int[] fed = {0};
        WalRecordReader.SegmentFeed feed = () -> switch (fed[0]++) {
            case 0 -> bytes.get();
            case 1 -> load(timeline, number + 1, end, prefixBuffer.get(), preferLocal).orElse(null);
            default -> null;
        };
        ChangedBlocks.Builder builder = new ChangedBlocks.Builder();
        long records = new WalRecordReader(feed, builder).read(from.compareTo(start) > 0 ? from : start,
                new Limit(end, next), segmentSize);
        return Optional.of(new SegmentSummary(builder.build(), records, false));
    }

    /**
     * Where a segment's reader stops: the end once it is known, if it lies before the segment's
     * end. The reader asks before every record, so once the end is known the answer is kept.
     */
    private static final class Limit implements LongSupplier {
        private final Future<Lsn> end;
        private final long segmentEnd;
        private long limit;
        private boolean settled;

        Limit(Future<Lsn> end, long segmentEnd) {
            this.end = end;
            this.segmentEnd = segmentEnd;
        }

        @Override
        public long getAsLong() {
            if (!settled) {
                if (!end.isDone()) {
                    return segmentEnd;
                }
                limit = knownEnd(end).filter(known -> Long.compareUnsigned(known, segmentEnd) < 0).orElse(segmentEnd);
                settled = true;
            }
            return limit;
        }
    }

    /** The end, if it is known by now. */
    private static Optional<Long> knownEnd(Future<Lsn> end) {
        if (!end.isDone()) {
            return Optional.empty();
        }
        try {
            return Optional.of(await(end).value());
        } catch (IOException e) {
            // the backup did not start: the summary will not be used
            return Optional.empty();
        }
    }

    /** Fails when segments of WAL exceed the budget, waiting for it to be known. */
    private void requireWithin(long segments, Future<Long> maxWalBytes) throws IOException {
        long max = take(maxWalBytes);
        if (segments * segmentSize.bytes() > max) {
            throw new IOException("the WAL since then is larger than " + max / (1024 * 1024)
                    + " MiB, where reading the changed files costs less");
        }
    }

    private static void acquire(Semaphore semaphore) throws IOException {
        try {
            semaphore.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while summarising WAL", e);
        }
    }

    /** Whether segment number lies past the end's segment, as far as the end is known. */
    private boolean pastEnd(long number, Future<Lsn> end) throws IOException {
        return end.isDone() && number > await(end).segmentNumber(segmentSize);
    }

    private static Lsn await(Future<Lsn> end) throws IOException {
        try {
            return end.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the backup's start", e);
        } catch (ExecutionException e) {
            throw new IOException("the backup did not start", e.getCause());
        }
    }

    private static <T> T take(Future<T> loaded) throws IOException {
        try {
            return loaded.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading WAL", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * The segment's first into.length bytes (all of them, or a prefix), in into; empty when it
     * turns out to lie past the end's segment. With preferLocal, a copy in pg_wal that its successor proves
     * complete comes first (LocalSegments); then the repository; then, once the end is known to
     * lie in or after it, whatever pg_wal holds (the newest segments are not archived yet).
     */
    private Optional<byte[]> load(TimelineId timeline, long number, Future<Lsn> end, byte[] into,
            boolean preferLocal) throws IOException {
        WalSegmentName name = WalSegmentName.ofSegmentNumber(timeline, number, segmentSize);
        if (preferLocal && local.isPresent()) {
            Optional<byte[]> bytes = local.get().complete(name,
                    WalSegmentName.ofSegmentNumber(timeline, number + 1, segmentSize), into);
            if (bytes.isPresent()) {
                return bytes;
            }
        }
        Optional<UnsealingInputStream> stored = repository.get(
                Repository.walKey(WalFileName.parse(name.toString())));
        if (stored.isPresent()) {
            try (InputStream in = stored.get()) {
                return Optional.of(read(in, into, name + " in " + repository.describe()));
            }
        }
        if (number > await(end).segmentNumber(segmentSize)) {
            return Optional.empty();
        }
        if (local.isPresent()) {
            Optional<byte[]> bytes = local.get().read(name, into);
            if (bytes.isPresent()) {
                return bytes;
            }
        }
        throw new IOException("WAL segment " + name + " is neither in the repository"
                + (local.isPresent() ? " nor in " + local.get().directory() : ""));
    }

    /**
     * The first bytes.length bytes of a stored segment, read straight into bytes (readNBytes would
     * gather 8 KiB chunks and copy them); a whole segment is read to its end, so that its seal is
     * checked.
     */
    private byte[] read(InputStream in, byte[] bytes, String source) throws IOException {
        int length = bytes.length;
        int n = 0;
        for (int read; n < length && (read = in.read(bytes, n, length - n)) > 0; n += read) {
            // fill the array
        }
        if (n < length || length == segmentSize.bytes() && in.read() >= 0) {
            throw new IOException(source + " is not a whole segment of " + segmentSize);
        }
        return bytes;
    }
}
