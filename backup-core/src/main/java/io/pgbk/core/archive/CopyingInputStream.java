/*
 * A filter that keeps a copy of what passes through it in an array, as a segment is archived,
 * so that its summary is built from the bytes stored without reading the file again. Bytes past
 * the array's length are passed on and not kept (copied() then says so).
 */
package io.pgbk.core.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

final class CopyingInputStream extends FilterInputStream {
    private final byte[] copy;
    private long passed;

    CopyingInputStream(InputStream in, byte[] copy) {
        super(in);
        this.copy = copy;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            keep(new byte[] {(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            keep(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("a copying stream does not skip");
    }

    /** The copy, when exactly the array's length passed through. */
    Optional<byte[]> copied() {
        return passed == copy.length ? Optional.of(copy) : Optional.empty();
    }

    private void keep(byte[] b, int off, int n) {
        if (passed < copy.length) {
            System.arraycopy(b, off, copy, (int) passed, (int) Math.min(n, copy.length - passed));
        }
        passed += n;
    }
}
