/*
 * The shape shared by the page streams (verifier, change filter, overlay): bytes are served from
 * one page buffer, and when it is used up the subclass loads the next page it wants to pass on.
 * Skipping goes through the same path, so no page escapes what the subclass does with pages, and
 * mark/reset is refused because a page must be seen once.
 */
package io.pgbk.core.page;

import java.io.IOException;
import java.io.InputStream;

abstract class PageStream extends InputStream {
    /** The page being served: bytes [position, limit). */
    protected final byte[] page = new byte[PageHeader.PAGE_SIZE];
    protected int position;
    protected int limit;

    /**
     * Loads the next page to pass on into {@code page[0..limit)} with {@code position} 0 and
     * {@code limit} above 0, or returns false at the end of the stream.
     */
    protected abstract boolean nextPage() throws IOException;

    @Override
    public final int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return page[position++] & 0xFF;
    }

    @Override
    public final int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(length, limit - position);
        System.arraycopy(page, position, buffer, offset, n);
        position += n;
        return n;
    }

    @Override
    public final long skip(long n) throws IOException {
        long skipped = 0;
        while (skipped < n && fill()) {
            int step = (int) Math.min(n - skipped, limit - position);
            position += step;
            skipped += step;
        }
        return skipped;
    }

    @Override
    public final int available() {
        return limit - position;
    }

    @Override
    public final boolean markSupported() {
        return false;
    }

    private boolean fill() throws IOException {
        return position < limit || nextPage();
    }
}
