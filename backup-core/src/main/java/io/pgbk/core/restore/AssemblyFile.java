/*
 * A file being restored, open for its layers' writes: a channel through the page cache for
 * everything, and for a new file a second one opened with O_DIRECT that takes its whole 4 KiB
 * blocks, which is all of a relation file but an incomplete last page (DirectWrites).
 *
 * Why the page cache is bypassed: once the machine's memory is full of cached files, which it is
 * on any machine that has run for a while, every page a buffered write fills must first be taken
 * from the cache (reclaim), then filled by a copy, then tracked by ext4's delayed allocation, and
 * that costs the kernel more CPU than the disk costs time. On this project's test machine two
 * streams of 1.3 GB took 3.5 to 5.7 s and 4.4 to 8.8 s of system CPU written through the cache
 * with an fsync, 1.9 to 2.1 s and 0.6 to 0.9 s written directly (docs/benchmarks.md). A restored
 * file is read next by PostgreSQL's recovery, a page at a time as it needs it: nothing is lost by
 * not leaving it in the cache, and the restore does not push out what the machine had cached.
 *
 * The data is as durable as before, no more: RestoredFile.publish still fsyncs every file (its
 * size, its blocks' allocation, the disk's write cache). A delta restore writes in place through
 * the cache, since it first reads the pages it compares. A file system that refuses O_DIRECT
 * (tmpfs before Linux 6.6, some network file systems), or a direct write it rejects (a block
 * size above 4 KiB), makes the file's writes go through the cache from there on: slower, same
 * result.
 */
package io.pgbk.core.restore;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

final class AssemblyFile implements AutoCloseable {

    /** The alignment of direct writes' positions, lengths and buffers: the block size of common file systems. */
    static final int ALIGNMENT = 4096;

    private final Path path;
    private final FileChannel channel;
    private volatile FileChannel direct;
    private long bufferedBytes;

    /** @param direct the same file opened with O_DIRECT, or null */
    AssemblyFile(Path path, FileChannel channel, FileChannel direct) {
        this.path = path;
        this.channel = channel;
        this.direct = direct;
    }

    /**
     * Opens path with options, and with O_DIRECT too when writeDirectly and the file system allows
     * it.
     */
    static AssemblyFile open(Path path, Set<OpenOption> options, boolean writeDirectly) throws IOException {
        FileChannel channel = FileChannel.open(path, options);
        FileChannel direct = null;
        if (writeDirectly) {
            try {
                direct = FileChannel.open(path, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                // the file system refuses O_DIRECT: every write goes through the cache
            }
        }
        return new AssemblyFile(path, channel, direct);
    }

    Path path() {
        return path;
    }

    FileChannel channel() {
        return channel;
    }

    /** Bytes written through the page cache so far: what an early writeback has to do. */
    long bufferedBytes() {
        return bufferedBytes;
    }

    /** Whether length bytes at position can be written directly: whole blocks, while the file system takes them. */
    boolean takesDirectly(long position, int length) {
        return direct != null && position % ALIGNMENT == 0 && length % ALIGNMENT == 0;
    }

    /** Writes buffer (a direct buffer aligned to ALIGNMENT) at position past the cache; on an IO thread. */
    void writeDirectly(ByteBuffer buffer, long position) throws IOException {
        FileChannel channel = direct;
        if (channel == null) { // another write failed meanwhile: this one is done again through the cache too
            throw new ClosedChannelException();
        }
        writeFully(channel, buffer, position);
    }

    /**
     * After a direct write failed: every write goes through the cache from now on. EINVAL is what
     * a file system that does not take the write says; a real IO error fails the buffered write of
     * the same bytes again, and that one is thrown.
     */
    void writeThroughCacheFromNowOn() throws IOException {
        FileChannel closing = direct;
        direct = null;
        if (closing != null) {
            closing.close();
        }
    }

    /** Writes buffer at position through the cache. */
    void writeBuffered(ByteBuffer buffer, long position) throws IOException {
        bufferedBytes += writeFully(channel, buffer, position);
    }

    /** Writes the buffer's remaining bytes at position; returns how many. */
    private static int writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            channel.write(buffer, position + buffer.position() - start);
        }
        return buffer.position() - start;
    }

    @Override
    public void close() throws IOException {
        try (FileChannel closing = channel) {
            writeThroughCacheFromNowOn();
        }
    }
}
