/*
 * A window of a stream: at most limit bytes of it, then end of stream. Reading a range of a file
 * is a positioned channel seen through this window; restoring one file of a backup part is the
 * part's tar stream seen through a window as long as the file, which must leave the part open
 * for the files after it.
 */
package io.pgbk.storage.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

public final class BoundedInputStream extends FilterInputStream {
    private final boolean closesSource;
    private long remaining;

    /** A window that closes the source when it is closed. */
    public BoundedInputStream(InputStream in, long limit) {
        this(in, limit, true);
    }

    private BoundedInputStream(InputStream in, long limit, boolean closesSource) {
        super(in);
        this.remaining = limit;
        this.closesSource = closesSource;
    }

    /** A window that other windows on the same source follow: closing it leaves the source open. */
    public static BoundedInputStream leavingSourceOpen(InputStream in, long limit) {
        return new BoundedInputStream(in, limit, false);
    }

    @Override
    public int read() throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int b = in.read();
        if (b >= 0) {
            remaining--;
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (remaining <= 0) {
            return length == 0 ? 0 : -1;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n > 0) {
            remaining -= n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = in.skip(Math.min(n, remaining));
        remaining -= skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(in.available(), remaining);
    }

    @Override
    public void close() throws IOException {
        if (closesSource) {
            in.close();
        }
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
