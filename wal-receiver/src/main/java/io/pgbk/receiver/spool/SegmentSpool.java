/*
 * The segment spool: the local directory where streamed WAL becomes segment files before the
 * repository takes them (pg_receivewal's directory, with a hand-off at the end).
 *
 * WAL is written at its offset into <segment>.partial, created full-size and zero-filled like
 * PostgreSQL's own segments. A completed segment is fsynced, renamed to its final name, the
 * directory fsynced, and queued for the CompletedWalConsumer, which runs on its own thread; only
 * once the consumer has accepted a file (and the spool has deleted it) does its WAL count as
 * stored. When a timeline ends inside a segment, that .partial is handed off as it is: it is the
 * old timeline's last segment, and the next timeline starts its own file for the segment.
 *
 * Flush feedback (flushPosition) is what the server may treat as safe. In asynchronous mode it
 * is the stored position. In synchronous mode it is the fsynced position in the spool, as long as
 * the repository holds everything before the previous segment: a synchronous commit must not
 * wait for a whole segment to fill, nor for the upload of the segment just completed (commits
 * would stall at every segment boundary for a compression and an fsync or a PUT, which made them
 * several times slower than with pg_receivewal). So the slot may run one complete, fsynced segment
 * ahead of the repository, never more: a repository that falls further behind holds the flush
 * position, and with it the commits, back until it catches up.
 *
 * After a crash the .partial is simply streamed again from its start: its bytes are not trusted,
 * they are overwritten with the same WAL.
 */
package io.pgbk.receiver.spool;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.receiver.replication.TimelineHistoryFile;
import io.pgbk.storage.local.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

public final class SegmentSpool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentSpool.class);
    private static final String PARTIAL = ".partial";
    private static final int ZERO_CHUNK = 64 * 1024;

    private final Path directory;
    private final WalSegmentSize size;
    private final boolean synchronous;
    private final HandOff handOff;
    private final CompletedWalConsumer consumer;

    private TimelineId timeline;
    private Lsn received = Lsn.INVALID;
    private Lsn synced = Lsn.INVALID;
    private OpenSegment open;

    private record OpenSegment(WalSegmentName name, Path path, FileChannel channel) {
    }

    private SegmentSpool(Path directory, WalSegmentSize size, CompletedWalConsumer consumer, boolean synchronous) {
        this.directory = directory;
        this.size = size;
        this.consumer = consumer;
        this.synchronous = synchronous;
        this.handOff = new HandOff(consumer);
    }

    /**
     * Opens (creating) the spool directory, queues the files a previous run left ready for the
     * consumer, and starts handing them off.
     */
    public static SegmentSpool open(Path directory, WalSegmentSize size, CompletedWalConsumer consumer,
                                    boolean synchronous) {
        SegmentSpool spool = new SegmentSpool(directory, size, consumer, synchronous);
        try {
            Files.createDirectories(directory);
            removeTemporaryFiles(directory);
            SpoolFiles files = SpoolFiles.scan(directory, size);
            for (WalFileName ready : files.ready()) {
                spool.handOff.add(new HandOff.Item(directory.resolve(ready.name()), Optional.empty()));
            }
        } catch (IOException e) {
            throw new PgbkException("cannot open the WAL spool " + directory + ": " + e.getMessage(), e);
        }
        spool.handOff.start();
        return spool;
    }

    public WalSegmentSize segmentSize() {
        return size;
    }

    /**
     * How far the WAL held in the spool or already stored reaches, for a restart: after the
     * newest complete segment, or at the start of a segment still being received.
     */
    public Optional<WalPosition> reach() {
        try {
            Optional<WalPosition> spooled = SpoolFiles.scan(directory, size).reach();
            Optional<WalPosition> stored = consumer.newestStoredSegment()
                    .map(s -> new WalPosition(s.timeline(), s.startLsn(size).plus(size.bytes())));
            return Stream.of(spooled, stored).flatMap(Optional::stream).max(WalPosition.PROGRESS);
        } catch (IOException e) {
            throw new PgbkException("cannot read the WAL spool " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Prepares to receive WAL of timeline from start, a segment boundary. A segment left open by
     * the previous stream is closed: on the same timeline it will be streamed again; on another
     * timeline its own timeline is over (the server that had it is gone), so it is handed off as
     * that timeline's last, .partial, segment.
     */
    public void begin(TimelineId timeline, Lsn start) {
        if (start.segmentOffset(size) != 0) {
            throw new IllegalArgumentException("streaming must start at a segment boundary, not " + start);
        }
        if (open != null && !open.name().timeline().equals(timeline)) {
            endOfTimeline();
        }
        closeOpen();
        this.timeline = timeline;
        this.received = start;
        this.synced = start;
        handOff.rebase(start);
    }

    /** Writes WAL that the server sent for walStart, which must be where the previous data ended. */
    public void write(Lsn walStart, ByteBuffer data) {
        if (!walStart.equals(received)) {
            throw new PgbkException("the server sent WAL for " + walStart + " where " + received + " was expected");
        }
        ByteBuffer rest = data.duplicate();
        try {
            while (rest.hasRemaining()) {
                if (open == null) {
                    open = openSegment(WalSegmentName.from(timeline, received, size));
                }
                long offset = received.segmentOffset(size);
                int length = (int) Math.min(rest.remaining(), size.bytes() - offset);
                ByteBuffer piece = rest.slice().limit(length);
                while (piece.hasRemaining()) {
                    offset += open.channel().write(piece, offset);
                }
                rest.position(rest.position() + length);
                received = received.plus(length);
                if (received.segmentOffset(size) == 0) {
                    completeOpen();
                }
            }
        } catch (IOException e) {
            throw new PgbkException("cannot write WAL to the spool " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Makes everything received durable in the spool (at each status interval, or before each report in synchronous mode). */
    public void sync() {
        try {
            if (open != null && synced.compareTo(received) < 0) {
                open.channel().force(false);
            }
            synced = received;
        } catch (IOException e) {
            throw new PgbkException("cannot fsync WAL in the spool " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * The server ended the timeline at the position received: the segment in progress, if the
     * switch fell inside one, is this timeline's last and is handed off as a .partial.
     */
    public void endOfTimeline() {
        if (open == null) {
            return;
        }
        try {
            open.channel().force(true);
            open.channel().close();
            AtomicFile.fsyncDirectory(directory);
        } catch (IOException e) {
            throw new PgbkException("cannot close " + open.path() + ": " + e.getMessage(), e);
        }
        LOG.info("timeline {} ends at {} in the spool: handing off {}", timeline, received, open.path().getFileName());
        handOff.add(new HandOff.Item(open.path(), Optional.of(received)));
        synced = received;
        open = null;
    }

    /** Stores a timeline history file durably in the spool and queues it ahead of that timeline's WAL. */
    public void addHistory(TimelineHistoryFile history) {
        WalFileName name = WalFileName.parse(history.fileName());
        if (name.kind() != WalFileName.Kind.HISTORY) {
            throw new PgbkException("the server sent a timeline history named '" + history.fileName() + "'");
        }
        Path target = directory.resolve(name.name());
        try (AtomicFile file = AtomicFile.create(target)) {
            file.out().write(history.content());
            file.commit();
        } catch (IOException e) {
            throw new PgbkException("cannot write " + target + ": " + e.getMessage(), e);
        }
        handOff.add(new HandOff.Item(target, Optional.empty()));
    }

    /** The end of the WAL received in this stream: the write position for status updates. */
    public Lsn received() {
        return received;
    }

    public TimelineId timeline() {
        return timeline;
    }

    /** The flush position to report: see the class comment. */
    public Lsn flushPosition() {
        Lsn stored = handOff.storedUpTo();
        if (synchronous && received.isValid() && synced.compareTo(stored) > 0
                && received.segmentStart(size).minus(stored) <= size.bytes()) {
            return synced;
        }
        return stored;
    }

    /**
     * The bytes of WAL in the spool that are not in the repository yet: the files waiting for
     * the consumer and what the segment in progress holds. Compared against the SpoolLimit.
     */
    public long backlog() {
        return handOff.waitingBytes() + (open == null ? 0 : received.segmentOffset(size));
    }

    /** Why the repository refused the file now waiting first; empty while it takes WAL. */
    public Optional<String> lastStoreFailure() {
        return handOff.lastFailure();
    }

    public Path directory() {
        return directory;
    }

    /** Files queued for the consumer or being stored now. */
    public int filesWaiting() {
        return handOff.waiting();
    }

    /** Waits until the consumer has taken every queued file; false if timeout passed first. */
    public boolean awaitHandedOff(Duration timeout) throws InterruptedException {
        return handOff.awaitEmpty(timeout);
    }

    /** Syncs and closes the segment in progress and stops the hand-off (queued files stay for the next run). */
    @Override
    public void close() {
        try {
            sync();
        } finally {
            closeOpen();
            handOff.close();
        }
    }

    private OpenSegment openSegment(WalSegmentName name) throws IOException {
        Path path = directory.resolve(name + PARTIAL);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            long length = channel.size();
            if (length < size.bytes()) {
                ByteBuffer zeros = ByteBuffer.allocate(ZERO_CHUNK);
                for (long position = length; position < size.bytes(); ) {
                    zeros.clear().limit((int) Math.min(ZERO_CHUNK, size.bytes() - position));
                    position += channel.write(zeros, position);
                }
                channel.force(true);
                AtomicFile.fsyncDirectory(directory);
            }
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new OpenSegment(name, path, channel);
    }

    private void completeOpen() throws IOException {
        OpenSegment segment = open;
        open = null;
        segment.channel().force(true);
        segment.channel().close();
        Path complete = directory.resolve(segment.name().toString());
        Files.move(segment.path(), complete, StandardCopyOption.ATOMIC_MOVE);
        AtomicFile.fsyncDirectory(directory);
        synced = received;
        LOG.debug("segment {} complete", segment.name());
        handOff.add(new HandOff.Item(complete, Optional.of(received)));
    }

    private void closeOpen() {
        if (open != null) {
            try {
                open.channel().close();
            } catch (IOException e) {
                throw new PgbkException("cannot close " + open.path() + ": " + e.getMessage(), e);
            } finally {
                open = null;
            }
        }
    }

    private static void removeTemporaryFiles(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (AtomicFile.isTemporary(entry.getFileName().toString())) {
                    Files.deleteIfExists(entry);
                }
            }
        }
    }
}
