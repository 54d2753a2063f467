/*
 * Passes a stream through except for its last N bytes, which it keeps for whoever asks once the
 * stream has ended. A stored object ends with a trailer (length and checksum) that could only be
 * written after its body; this lets a reader of unknown length (one GET, no stat first) hand the
 * body to a decompressor and still find the trailer at the end.
 */
package io.pgbk.core.stream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

public final class HoldbackInputStream extends FilterInputStream {

    private static final int CHUNK = 64 * 1024;

    private final int holdback;
    private final byte[] buffer;
    private int start;
    private int end;
    private boolean ended;

    public HoldbackInputStream(InputStream in, int holdback) {
        super(in);
        this.holdback = holdback;
        this.buffer = new byte[holdback + CHUNK];
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        fill();
        int passable = end - start - holdback;
        if (passable <= 0) {
            return -1;
        }
        int n = Math.min(len, passable);
        System.arraycopy(buffer, start, b, off, n);
        start += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] discard = new byte[(int) Math.min(n, CHUNK)];
        int read = read(discard, 0, discard.length);
        return Math.max(read, 0);
    }

    @Override
    public int available() {
        return Math.max(end - start - holdback, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /**
     * The bytes held back: the last N of the stream, or all of it when it was shorter.
     * Only meaningful once read has returned -1.
     */
    public byte[] heldBack() {
        if (!ended) {
            throw new IllegalStateException("the stream has not ended yet");
        }
        return Arrays.copyOfRange(buffer, start, end);
    }

    /** Reads until more than holdback bytes are buffered or the source ends. */
    private void fill() throws IOException {
        while (!ended && end - start <= holdback) {
            if (end == buffer.length) {
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            int n = in.read(buffer, end, buffer.length - end);
            if (n < 0) {
                ended = true;
            } else {
                end += n;
            }
        }
    }
}
