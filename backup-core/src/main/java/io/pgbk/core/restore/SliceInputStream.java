/*
 * One file's bytes inside a part's tar stream: the backup manifest locates a file by offset and
 * length in the uncompressed stream, and the part is read front to back, so a slice ends after
 * length bytes without reading past it, and leaves the part open for the next file unless it
 * owns it.
 */
package io.pgbk.core.restore;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

final class SliceInputStream extends FilterInputStream {

    private final boolean ownsSource;
    private long remaining;

    /** A slice of a part that other slices follow: closing it leaves the part open. */
    SliceInputStream(InputStream in, long length) {
        this(in, length, false);
    }

    private SliceInputStream(InputStream in, long length, boolean ownsSource) {
        super(in);
        this.remaining = length;
        this.ownsSource = ownsSource;
    }

    /** The only slice read from this stream: closing it closes the stream. */
    static SliceInputStream owning(InputStream in, long length) {
        return new SliceInputStream(in, length, true);
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
            return -1;
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
        if (ownsSource) {
            in.close();
        }
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
