/*
 * A file as long as the backup declared it: a tar header states a size before the content, but
 * PostgreSQL may extend or truncate a file while it is read. Reading stops at the declared length
 * (what was appended later is in the WAL the restore replays) and a file that shrank is padded
 * with zeros (the truncation is in that WAL too, and a zero page is a valid new page). This is
 * what PostgreSQL's own base backup does.
 */
package io.pgbk.core.backup;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

final class FixedLengthInputStream extends FilterInputStream {

    private long remaining;
    private boolean sourceEnded;

    FixedLengthInputStream(InputStream in, long length) {
        super(in);
        this.remaining = length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        int wanted = (int) Math.min(len, remaining);
        int n = sourceEnded ? -1 : in.read(b, off, wanted);
        if (n < 0) {
            sourceEnded = true;
            Arrays.fill(b, off, off + wanted, (byte) 0);
            n = wanted;
        }
        remaining -= n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        return 0; // every byte must be read: callers verify and digest what passes
    }

    @Override
    public int available() {
        return 0;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
