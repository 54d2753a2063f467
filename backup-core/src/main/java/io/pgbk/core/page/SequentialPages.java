/*
 * Every page of a relation file, read from a stream from its first byte.
 */
package io.pgbk.core.page;

import java.io.IOException;
import java.io.InputStream;

final class SequentialPages implements PageSource {
    private final InputStream in;
    private int block = -1;
    private long fileSize;
    private boolean ended;

    SequentialPages(InputStream in) {
        this.in = in;
    }

    @Override
    public int next(byte[] page) throws IOException {
        if (ended) {
            return -1;
        }
        int n = in.readNBytes(page, 0, PageHeader.PAGE_SIZE);
        fileSize += n;
        ended = n < PageHeader.PAGE_SIZE;
        if (n == 0) {
            return -1;
        }
        block++;
        return n;
    }

    @Override
    public int block() {
        return block;
    }

    @Override
    public long fileSize() {
        return fileSize;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
