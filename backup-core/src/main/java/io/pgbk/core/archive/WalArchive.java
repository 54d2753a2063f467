/*
 * WAL archiving into a repository: the logic behind archive_command (push) and restore_command
 * (fetch), and the batch forms the asynchronous spools use.
 *
 * A push proves where a segment comes from before storing it: its long page header must name
 * the repository's system, segment size and WAL block size, its page address must match its
 * file name, and a complete segment must have the full size. The first segment pushed claims
 * the repository for its cluster. History and backup-history files carry no header, so they are
 * only accepted once a segment has established the cluster.
 *
 * Nothing archived is ever replaced: a second push of identical content succeeds (PostgreSQL
 * retries archive_command whenever it did not see success), different content is refused and
 * the stored object is left as it was. Identical means byte for byte: the stored object is read
 * back and compared with the file, which costs one GET on the rare retry instead of a SHA-256 of
 * every segment on every push and fetch. Objects are sealed with a CRC32C (computed by the CPU's
 * instruction), which catches a damaged or truncated object; objects sealed with a SHA-256 by
 * earlier versions are read and compared the same way.
 *
 * A complete segment is summarised as it is stored (SegmentSummaries, from a copy kept as it
 * passes): an incremental backup reads those summaries rather than the segments.
 *
 * A fetch costs one GET, verifies the seal while streaming, and publishes the destination file
 * only once it is complete and durable.
 *
 * The last segment of a timeline that ended inside it (a promotion, a switchover) is archived as
 * <segment>.partial, by PostgreSQL at promotion and by receive-wal; with a synchronous receiver it
 * is the only copy of the last commits acknowledged on that timeline. A recovery that ends on
 * that timeline asks for the plain segment name, so a fetch told the timeline recovery ends on
 * serves the .partial for a segment of that timeline the repository lacks. Never for another
 * timeline: a recovery passing from timeline N to N+1 asks for N+1's copy of the switch segment,
 * and N's .partial holds WAL past the switch point that must not be replayed then.
 */
package io.pgbk.core.archive;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.SealCheck;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentHeader;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.core.walsummary.SegmentSummaries;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.local.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class WalArchive {

    private static final Logger log = LoggerFactory.getLogger(WalArchive.class);
    private static final String PARTIAL_SUFFIX = ".partial";
    private static final int COMPARE_CHUNK = 64 * 1024;
    /** Enough of the next segment for a last record with a few page images. */
    private static final int NEXT_SEGMENT_START = 64 * 1024;

    private final Repository repository;
    private final Compression compression;
    private final SegmentSummaries summaries;
    /** Each pushing thread's copy of the segment it pushes, for its summary: reused, as it is 16 MiB. */
    private final ThreadLocal<byte[]> segmentCopy = new ThreadLocal<>();
    /** The cluster this instance has already matched against the repository: one check per process, not per file. */
    private final AtomicReference<ClusterInfo> confirmed = new AtomicReference<>();

    public WalArchive(Repository repository, Compression compression) {
        this.repository = repository;
        this.compression = compression;
        this.summaries = new SegmentSummaries(repository);
    }

    /** Archives one file (archive_command's %p); throws a PgbkException when it must not or cannot. */
    public PushResult push(Path walFile) {
        Path fileName = walFile.getFileName();
        WalFileName name = WalFileName.parse(fileName == null ? "" : fileName.toString());
        String key = Repository.walKey(name);
        SealingInputStream sealed;
        Optional<CopyingInputStream> copying = Optional.empty();
        try {
            FileChannel channel = FileChannel.open(walFile, StandardOpenOption.READ);
            try {
                checkOrigin(name, channel);
                InputStream content = Channels.newInputStream(channel.position(0));
                if (name.kind() == WalFileName.Kind.SEGMENT && channel.size() <= SegmentSummaries.MAX_SEGMENT_SIZE) {
                    copying = Optional.of(new CopyingInputStream(content, copyBuffer((int) channel.size())));
                    content = copying.get();
                }
                sealed = new SealingInputStream(content, compression, SealCheck.CRC32C);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw readFailure(walFile, e);
        }
        String objectName = repository.objectName(key);
        if (repository.putIfAbsent(key, sealed)) {
            ContentDigest digest = sealed.digest().orElseThrow(() -> new IllegalStateException(
                    "the store created " + objectName + " without reading all of it"));
            log.info("archived {} as {} ({}, {})", name, objectName, compression, digest.describe());
            copying.flatMap(CopyingInputStream::copied).ifPresent(segment -> {
                ClusterInfo cluster = confirmed.get();
                WalSegmentSize size = cluster.walSegmentSize();
                WalSegmentName stored = name.segment().orElseThrow();
                summaries.store(stored, segment, size,
                        () -> nextSegmentStart(walFile, stored.next(size), cluster.walBlockSize()), compression);
            });
            return new PushResult(name, objectName, PushResult.Outcome.STORED, digest);
        }
        ContentDigest stored = compareWithStored(key, walFile, name);
        log.info("{} was already archived with the same content", name);
        return new PushResult(name, objectName, PushResult.Outcome.ALREADY_ARCHIVED, stored);
    }

    /**
     * The first NEXT_SEGMENT_START bytes of next beside walFile (in pg_wal), in whole pages, as far
     * as they are there: PostgreSQL may be writing them, or the file may be a recycled one (the summary's
     * reader checks page addresses and CRCs).
     */
    private static Optional<byte[]> nextSegmentStart(Path walFile, WalSegmentName next, int pageSize)
            throws IOException {
        Path file = walFile.resolveSibling(next.toString());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer start = ByteBuffer.allocate(NEXT_SEGMENT_START);
            while (start.hasRemaining() && channel.read(start) > 0) {
                // to the end of the file or of the buffer
            }
            int pages = start.position() / pageSize;
            return pages == 0 ? Optional.empty() : Optional.of(Arrays.copyOf(start.array(), pages * pageSize));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private byte[] copyBuffer(int size) {
        byte[] buffer = segmentCopy.get();
        if (buffer == null || buffer.length != size) {
            buffer = new byte[size];
            segmentCopy.set(buffer);
        }
        return buffer;
    }

    /** The stored object's digest when its content is walFile's, byte for byte; otherwise a PgbkException. */
    private ContentDigest compareWithStored(String key, Path walFile, WalFileName name) {
        UnsealingInputStream object = repository.get(key).orElseThrow(() -> new PgbkException(
                "WAL file " + name + " vanished from " + repository.describe() + " while being archived: try again"));
        try (UnsealingInputStream stored = object; InputStream local = Files.newInputStream(walFile)) {
            byte[] mine = new byte[COMPARE_CHUNK];
            byte[] theirs = new byte[COMPARE_CHUNK];
            long offset = 0;
            while (true) {
                int localBytes = local.readNBytes(mine, 0, mine.length);
                int storedBytes = stored.readNBytes(theirs, 0, theirs.length);
                int mismatch = Arrays.mismatch(mine, 0, localBytes, theirs, 0, storedBytes);
                if (mismatch >= 0) {
                    throw new PgbkException("WAL file " + name + " is already archived with different content (they "
                            + "differ from byte " + (offset + mismatch) + " on, " + walFile + " has " + Files.size(walFile)
                            + " bytes): not overwritten");
                }
                if (localBytes < mine.length) {
                    return stored.digest().orElseThrow(() -> new IllegalStateException("read " + key + " to its end"));
                }
                offset += localBytes;
            }
        } catch (IOException e) {
            throw readFailure(walFile, e);
        }
    }

    /**
     * Restores one archived file to destination (restore_command's %f and %p). Returns false when
     * the repository does not have it, which is how recovery learns it reached the end of the archive.
     */
    public boolean fetch(String walName, Path destination) {
        return fetch(walName, destination, Optional.empty());
    }

    /**
     * Restores one archived file like fetch(walName, destination), and when recovery ends on
     * endTimeline, a segment of that timeline the repository lacks from its stored .partial.
     */
    public boolean fetch(String walName, Path destination, Optional<TimelineId> endTimeline) {
        WalFileName name = WalFileName.parse(walName);
        Optional<UnsealingInputStream> object = repository.get(Repository.walKey(name));
        if (object.isPresent()) {
            write(object.get(), destination);
            log.debug("fetched {} to {}", name, destination);
            return true;
        }
        if (name.kind() == WalFileName.Kind.SEGMENT && endTimeline.filter(name.timeline()::equals).isPresent()) {
            WalFileName partial = WalFileName.parse(walName + PARTIAL_SUFFIX);
            // The segment size to pad to; a repository without cluster.json holds no WAL at all.
            Optional<ClusterInfo> cluster = repository.clusterInfo();
            Optional<UnsealingInputStream> last = cluster.flatMap(info -> repository.get(Repository.walKey(partial)));
            if (last.isPresent()) {
                write(new ZeroPaddedInputStream(last.get(), cluster.get().walSegmentSize().bytes()), destination);
                log.info("served {} from {} (end of timeline {})", name, partial, name.timeline());
                return true;
            }
        }
        log.debug("{} is not in {}", name, repository.describe());
        return false;
    }

    private static void write(InputStream object, Path destination) {
        try (InputStream in = object; AtomicFile file = AtomicFile.create(destination)) {
            in.transferTo(file.out());
            file.commit();
        } catch (IOException e) {
            throw new PgbkException("cannot write " + destination + ": " + reason(e), e);
        }
    }

    /** Size and time of an archived file without reading it; empty when it is not archived. */
    public Optional<ObjectInfo> stat(String walName) {
        return repository.stat(Repository.walKey(WalFileName.parse(walName)));
    }

    /** Pushes files on at most jobs threads; one attempt per file, in the order given. */
    public List<Attempt<PushResult>> pushAll(List<Path> walFiles, int jobs) {
        return runAll(walFiles, jobs, "pgbk-wal-push-", file -> String.valueOf(file.getFileName()), this::push);
    }

    /** Fetches files into directory (each under its own name) on at most jobs threads; one attempt per name. */
    public List<Attempt<Boolean>> fetchAll(List<String> walNames, Path directory, int jobs) {
        return runAll(walNames, jobs, "pgbk-wal-fetch-", walName -> walName,
                walName -> fetch(walName, directory.resolve(WalFileName.parse(walName).name())));
    }

    private void checkOrigin(WalFileName name, FileChannel channel) throws IOException {
        if (!name.kind().hasSegmentHeader()) {
            if (confirmed.get() == null) {
                confirmed.set(repository.clusterInfo().orElseThrow(() -> new PgbkException("cannot archive " + name
                        + ": " + repository.describe() + " holds no WAL segment yet, so which cluster it belongs "
                        + "to is unknown; archive a segment first")));
            }
            return;
        }
        String source = "WAL file " + name;
        ByteBuffer first = ByteBuffer.allocate(WalSegmentHeader.SIZE);
        while (first.hasRemaining() && channel.read(first, first.position()) > 0) {
            // a regular file returns short reads only at its end
        }
        WalSegmentHeader header = WalSegmentHeader.parse(first.flip(), source);
        long size = channel.size();
        long segmentSize = header.segmentSize().bytes();
        if (name.kind() == WalFileName.Kind.SEGMENT ? size != segmentSize : size > segmentSize) {
            throw new PgbkException(source + " has " + size + " bytes, but its header says segments have "
                    + segmentSize + ": refusing an incomplete or damaged segment");
        }
        WalSegmentName segment = name.segment().orElseThrow();
        if (!header.pageAddress().equals(segment.startLsn(header.segmentSize()))) {
            throw new PgbkException(source + " starts with the page of " + header.pageAddress() + ", but its name means "
                    + segment.startLsn(header.segmentSize()) + ": refusing a misnamed or recycled segment");
        }
        if (header.pageTimeline().compareTo(segment.timeline()) > 0) {
            throw new PgbkException(source + " holds pages of timeline " + header.pageTimeline()
                    + ", later than the timeline in its name");
        }
        ClusterInfo proven = ClusterInfo.of(header);
        if (!proven.equals(confirmed.get())) {
            repository.ensureCluster(proven, source);
            confirmed.set(proven);
        }
    }

    private static PgbkException readFailure(Path walFile, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new PgbkException("WAL file " + walFile + " does not exist", e);
        }
        return new PgbkException("cannot read WAL file " + walFile + ": " + reason(e), e);
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static <I, R> List<Attempt<R>> runAll(List<I> items, int jobs, String threadPrefix,
            Function<I, String> nameOf, Function<I, R> action) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, not " + jobs);
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(jobs, items.size())), task -> {
            Thread thread = new Thread(task, threadPrefix + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Attempt<R>>> futures = new ArrayList<>();
            for (I item : items) {
                futures.add(pool.submit(() -> {
                    String name = nameOf.apply(item);
                    try {
                        return Attempt.succeeded(name, action.apply(item));
                    } catch (PgbkException e) {
                        log.debug("{} failed: {}", name, e.getMessage());
                        return Attempt.<R>failed(name, e);
                    }
                }));
            }
            List<Attempt<R>> attempts = new ArrayList<>();
            for (Future<Attempt<R>> future : futures) {
                attempts.add(future.get());
            }
            return attempts;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while transferring WAL files", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException unexpected) {
                throw unexpected;
            }
            throw new IllegalStateException("a WAL transfer failed unexpectedly", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
