/*
 * A bounded pipe from one thread's OutputStream to another thread's InputStream, handing over
 * whole chunks: the writer fills one while the reader drains another, so that reading files and
 * compressing them overlap.
 *
 * java.io's PipedInputStream does not do that: its writer never wakes a waiting reader until the
 * buffer is full (or a flush or a one-second timeout), and its reader does not wake the writer
 * until it finds the buffer empty again, so the two threads took turns over a backup's parts
 * instead of running side by side.
 *
 * Memory is fixed: `chunks` buffers of `chunkSize` bytes, recycled. Closing the reading end
 * breaks the pipe: the writer's next write fails (isBroken tells why), and a writer waiting for
 * a free chunk is woken for it, so a failed upload never leaves a worker blocked on a full pipe.
 * A reader whose writer dies without closing waits until it is interrupted; its owner cancels it.
 */
package io.pgbk.core.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

public final class ChunkPipe {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();
    /** Filled chunks in order, with their lengths. */
    private final ArrayDeque<Filled> filled = new ArrayDeque<>();
    private final Sink sink = new Sink();
    private final Source source = new Source();
    private boolean writerClosed;
    private boolean readerClosed;

    private record Filled(byte[] bytes, int length) {
    }

    public ChunkPipe(int chunks, int chunkSize) {
        if (chunks < 2 || chunkSize < 1) {
            throw new IllegalArgumentException("a pipe needs two chunks or more, of one byte or more");
        }
        for (int i = 0; i < chunks; i++) {
            free.add(new byte[chunkSize]);
        }
    }

    /** The writing end; one thread writes to it. */
    public OutputStream sink() {
        return sink;
    }

    /** The reading end; one thread reads from it. */
    public InputStream source() {
        return source;
    }

    /** Whether the reading end was closed: writes fail since. */
    public boolean isBroken() {
        lock.lock();
        try {
            return readerClosed;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the reading end from any thread: the pipe is broken, what it held is dropped. */
    public void closeReadingEnd() {
        lock.lock();
        try {
            readerClosed = true;
            filled.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private final class Sink extends OutputStream {
        private byte[] chunk;
        private int length;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int count) throws IOException {
            Objects.checkFromIndexSize(offset, count, bytes.length);
            while (count > 0) {
                if (chunk == null) {
                    chunk = takeFree();
                    length = 0;
                }
                int n = Math.min(count, chunk.length - length);
                System.arraycopy(bytes, offset, chunk, length, n);
                length += n;
                offset += n;
                count -= n;
                if (length == chunk.length) {
                    handOver();
                }
            }
        }

        /** Hands over what the current chunk holds, so that the reader sees it now. */
        @Override
        public void flush() throws IOException {
            if (chunk != null && length > 0) {
                handOver();
            }
        }

        @Override
        public void close() throws IOException {
            lock.lock();
            try {
                if (writerClosed) {
                    return;
                }
                writerClosed = true;
                if (chunk != null && length > 0 && !readerClosed) {
                    filled.add(new Filled(chunk, length));
                }
                chunk = null;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private byte[] takeFree() throws IOException {
            lock.lock();
            try {
                while (free.isEmpty() && !readerClosed && !writerClosed) {
                    await();
                }
                checkWritable();
                return free.remove();
            } finally {
                lock.unlock();
            }
        }

        private void handOver() throws IOException {
            lock.lock();
            try {
                checkWritable();
                filled.add(new Filled(chunk, length));
                chunk = null;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private void checkWritable() throws IOException {
            if (writerClosed) {
                throw new IOException("write to a closed pipe");
            }
            if (readerClosed) {
                throw new IOException("the pipe's reading end is closed");
            }
        }
    }

    private final class Source extends InputStream {
        private Filled current;
        private int position;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int count) throws IOException {
            Objects.checkFromIndexSize(offset, count, bytes.length);
            if (count == 0) {
                return 0;
            }
            if (current == null && !takeFilled()) {
                return -1;
            }
            int n = Math.min(count, current.length() - position);
            System.arraycopy(current.bytes(), position, bytes, offset, n);
            position += n;
            if (position == current.length()) {
                giveBack();
            }
            return n;
        }

        @Override
        public int available() {
            return current == null ? 0 : current.length() - position;
        }

        @Override
        public void close() {
            closeReadingEnd();
        }

        /** Waits for the next filled chunk; false at the end of the stream. */
        private boolean takeFilled() throws IOException {
            lock.lock();
            try {
                while (filled.isEmpty() && !writerClosed && !readerClosed) {
                    await();
                }
                if (readerClosed) {
                    throw new IOException("read from a closed pipe");
                }
                if (filled.isEmpty()) {
                    return false;
                }
                current = filled.remove();
                position = 0;
                return true;
            } finally {
                lock.unlock();
            }
        }

        private void giveBack() {
            lock.lock();
            try {
                free.add(current.bytes());
                current = null;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Waits for the other end (the lock held); an interrupt ends the wait as an IOException. */
    private void await() throws InterruptedIOException {
        try {
            changed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting on a pipe");
        }
    }
}
