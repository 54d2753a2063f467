/*
 * Puts one layer of a file in place with positional writes. The layer's bytes arrive as one
 * stream (a window of a backup part) in block order; runs of consecutive blocks are handled a
 * chunk at a time. Blocks a newer layer writes again are skipped. When the file already holds
 * content (a delta restore), each page is first compared with what is there and only the pages
 * that differ are written: a former node whose relation files differ from the backup in 5% of
 * their pages costs 5% of the writes, and the file keeps its inode.
 *
 * A new file's whole blocks are written past the page cache (AssemblyFile). What goes through the
 * cache is handed to early writeback (FilePublisher) every 32 MiB, so that the disk works while
 * the next chunks are decompressed rather than in the fsync at the end.
 *
 * One writer per worker: it owns the chunk buffers, the incoming bytes and the existing ones, and
 * the aligned buffers of its direct writes.
 */
package io.pgbk.core.restore;

import io.pgbk.core.page.PageHeader;
import io.pgbk.core.page.PageMap;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

final class LayerWriter {

    private static final int PAGE = PageHeader.PAGE_SIZE;
    /** 1 MiB: large enough that system calls and stream overhead vanish, small enough for many workers. */
    private static final int CHUNK_PAGES = 128;

    /** Bytes written to a file between two requests to start writing it back (FilePublisher). */
    private static final long WRITEBACK_EVERY = 32L * 1024 * 1024;

    private final byte[] incoming = new byte[CHUNK_PAGES * PAGE];
    private final byte[] existing = new byte[CHUNK_PAGES * PAGE];
    private final DirectWrites direct;
    private final Consumer<Path> writeback;

    /**
     * @param io        runs the direct writes (DirectWrites)
     * @param writeback asked to start writing a file back every WRITEBACK_EVERY bytes written to it
     *                  through the cache
     */
    LayerWriter(ExecutorService io, Consumer<Path> writeback) {
        this.direct = new DirectWrites(io, CHUNK_PAGES * PAGE);
        this.writeback = writeback;
    }

    /**
     * Writes the layer read from slice into target.
     *
     * @param compare compare with the target's content and write only pages that differ
     * @param digest  updated with every byte of the layer as it passes, or null
     * @return the bytes written
     */
    long write(InputStream slice, FileLayer layer, AssemblyFile target, boolean compare, MessageDigest digest,
            String file) throws IOException {
        long written;
        try {
            written = writeChunks(slice, layer, target, compare, digest, file);
        } catch (IOException | RuntimeException e) {
            direct.discard();
            throw e;
        }
        direct.drain();
        return written;
    }

    private long writeChunks(InputStream slice, FileLayer layer, AssemblyFile target, boolean compare,
            MessageDigest digest, String file) throws IOException {
        PageMap pages = layer.pages();
        long written = 0;
        long writtenBack = 0;
        int index = 0;
        while (index < pages.pageCount()) {
            int first = pages.block(index);
            int count = 1;
            while (index + count < pages.pageCount() && count < CHUNK_PAGES
                    && pages.block(index + count) == first + count) {
                count++;
            }
            long start = (long) first * PAGE;
            int length = (int) (Math.min(pages.fileSize(), start + (long) count * PAGE) - start);
            if (slice.readNBytes(incoming, 0, length) != length) {
                throw new PgbkException("the stored copy of " + file + " ends before block " + first
                        + ", which its page map lists: the backup is damaged");
            }
            if (digest != null) {
                digest.update(incoming, 0, length);
            }
            written += place(start, first, count, length, layer.covered(), target, compare);
            if (target.bufferedBytes() - writtenBack >= WRITEBACK_EVERY) {
                writeback.accept(target.path());
                writtenBack = target.bufferedBytes();
            }
            index += count;
        }
        return written;
    }

    /** The length and SHA-256 of the channel's whole content. */
    ContentDigest digest(FileChannel channel) throws IOException {
        MessageDigest sha256 = ContentDigest.newSha256();
        long position = 0;
        for (int n; (n = channel.read(ByteBuffer.wrap(incoming), position)) >= 0; position += n) {
            sha256.update(incoming, 0, n);
        }
        return ContentDigest.finish(position, sha256);
    }

    /** Writes incoming[0, length), blocks first .. first + count - 1 at start, except covered blocks. */
    private long place(long start, int first, int count, int length, BitSet covered, AssemblyFile target,
            boolean compare) throws IOException {
        long written = 0;
        int page = 0;
        while (page < count) {
            if (covered.get(first + page)) {
                page++;
                continue;
            }
            int end = page + 1;
            while (end < count && !covered.get(first + end)) {
                end++;
            }
            int from = page * PAGE;
            int to = Math.min(length, end * PAGE);
            written += compare ? writeDiffering(start, from, to, target) : writeFully(start, from, to, target);
            page = end;
        }
        return written;
    }

    /** Compares incoming[from, to) with the file page by page and writes runs of pages that differ. */
    private long writeDiffering(long start, int from, int to, AssemblyFile target) throws IOException {
        int present = readFully(start, from, to, target.channel());
        long written = 0;
        int runStart = -1;
        for (int offset = from; offset < to; offset += PAGE) {
            int end = Math.min(to, offset + PAGE);
            boolean differs = end > present || Arrays.mismatch(incoming, offset, end, existing, offset, end) >= 0;
            if (differs && runStart < 0) {
                runStart = offset;
            } else if (!differs && runStart >= 0) {
                written += writeFully(start, runStart, offset, target);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            written += writeFully(start, runStart, to, target);
        }
        return written;
    }

    /** Reads the file's bytes for incoming[from, to) into existing; returns where they end (short at the end of the file). */
    private int readFully(long start, int from, int to, FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(existing, from, to - from);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, start + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.position();
    }

    /** Writes incoming[from, to) at start + from: its whole blocks directly where the file takes them. */
    private long writeFully(long start, int from, int to, AssemblyFile target) throws IOException {
        int whole = (to - from) / AssemblyFile.ALIGNMENT * AssemblyFile.ALIGNMENT;
        int rest = from;
        if (whole > 0 && target.takesDirectly(start + from, whole)) {
            direct.write(target, incoming, from, whole, start + from);
            rest += whole;
        }
        if (rest < to) {
            target.writeBuffered(ByteBuffer.wrap(incoming, rest, to - rest), start + rest);
        }
        return to - from;
    }
}
