/*
 * A stored .partial segment served under its segment's name must have the full segment size:
 * PostgreSQL refuses a restored segment of any other size. PostgreSQL and receive-wal store it
 * full-size with a zero-filled tail, but wal-push also accepts a shorter one (the WAL up to some
 * point); zeros after the last record read as the end of WAL, exactly like that zero-filled tail.
 * So this stream continues its source with zeros up to a length, and adds nothing to a source
 * that is already as long. Unlike backup's FixedLengthInputStream it never stops before its source
 * ends: a sealed object is verified only when it is read to its end.
 */
package io.pgbk.core.archive;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

final class ZeroPaddedInputStream extends InputStream {

    private final InputStream source;
    private final long length;
    private long position;
    private boolean sourceEnded;

    ZeroPaddedInputStream(InputStream source, long length) {
        this.source = source;
        this.length = length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        if (count == 0) {
            return 0;
        }
        if (!sourceEnded) {
            int read = source.read(buffer, offset, count);
            if (read >= 0) {
                position += read;
                return read;
            }
            sourceEnded = true;
        }
        int zeros = (int) Math.min(count, length - position);
        if (zeros <= 0) {
            return -1;
        }
        Arrays.fill(buffer, offset, offset + zeros, (byte) 0);
        position += zeros;
        return zeros;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
