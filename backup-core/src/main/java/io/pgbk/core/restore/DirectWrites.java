/*
 * A restore worker's direct writes (AssemblyFile), handed to IO threads. A direct write returns
 * only when the disk has the bytes, so a worker that wrote itself would leave its core idle for
 * each chunk; with two aligned buffers it decompresses the next chunk into one while the disk
 * takes the other, the overlap that the kernel's writeback gave buffered writes.
 *
 * A buffer is reused only after its write finished. A write that failed is done again through the
 * cache from the same buffer, and the file's later writes go through the cache too (AssemblyFile):
 * the bytes stay in the buffer until its write is known to be done. drain() waits for every write,
 * so a file is complete when its layer writer returns.
 */
package io.pgbk.core.restore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

final class DirectWrites {

    private final ExecutorService io;
    private final Slot[] slots;
    private int next;

    /**
     * @param io       runs the writes
     * @param capacity the largest write, in bytes
     */
    DirectWrites(ExecutorService io, int capacity) {
        this.io = io;
        this.slots = new Slot[] {new Slot(capacity), new Slot(capacity)};
    }

    /** Starts writing bytes[from, from + length) to file at position, which file.takesDirectly. */
    void write(AssemblyFile file, byte[] bytes, int from, int length, long position) throws IOException {
        Slot slot = slots[next];
        next = (next + 1) % slots.length;
        slot.finish();
        slot.start(file, bytes, from, length, position);
    }

    /** Waits until every write started is done. */
    void drain() throws IOException {
        for (Slot slot : slots) {
            slot.finish();
        }
    }

    /**
     * After the file's restore failed: waits until the writes in flight are over, whatever their
     * outcome, so that none is left to a later file.
     */
    void discard() {
        for (Slot slot : slots) {
            slot.discard();
        }
    }

    private final class Slot {
        private final ByteBuffer buffer;
        private AssemblyFile file;
        private long position;
        private Future<?> pending;

        Slot(int capacity) {
            buffer = ByteBuffer.allocateDirect(capacity + AssemblyFile.ALIGNMENT).alignedSlice(AssemblyFile.ALIGNMENT);
        }

        void start(AssemblyFile file, byte[] bytes, int from, int length, long position) {
            buffer.clear().put(bytes, from, length).flip();
            this.file = file;
            this.position = position;
            ByteBuffer bytesToWrite = buffer.duplicate();
            pending = io.submit(() -> {
                try {
                    file.writeDirectly(bytesToWrite, position);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        void finish() throws IOException {
            if (pending == null) {
                return;
            }
            try {
                pending.get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UncheckedIOException)) {
                    throw new IllegalStateException("a direct write failed", e.getCause());
                }
                file.writeThroughCacheFromNowOn();
                file.writeBuffered(buffer.duplicate(), position);
            } catch (InterruptedException e) {
                pending.cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing " + file.path());
            } finally {
                pending = null;
                file = null;
            }
        }

        void discard() {
            try {
                finish();
            } catch (IOException | RuntimeException e) {
                // the file is abandoned: how its write ended does not matter
            }
        }
    }
}
