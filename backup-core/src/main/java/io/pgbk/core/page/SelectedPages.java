/*
 * Some pages of a relation file: the blocks a WAL summary names, read by position, neighbours
 * together (up to 128 KiB per read call), everything else left unread. The file's size is the
 * size at open, as for a whole file (FixedLengthInputStream): a page beyond the end of a file that
 * shrank since reads as zeros, a new page, which the WAL replayed at restore truncates anyway.
 *
 * When the cluster has data checksums, each page read is handed to the verifier: an incremental
 * backup verifies the pages it reads, not the ones the summary lets it skip.
 */
package io.pgbk.core.page;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

public final class SelectedPages implements PageSource {
    private static final int PAGES_PER_READ = 16;

    private final FileChannel channel;
    private final int[] blocks;
    private final long fileSize;
    private final PageChecksumVerifier verifier;
    private final byte[] run = new byte[PAGES_PER_READ * PageHeader.PAGE_SIZE];
    /** The run read last holds blocks [runFirst, runFirst + runPages). */
    private long runFirst = -1;
    private int runPages;
    private int index = -1;

    /**
     * @param blocks   ascending block numbers within the file, all inside fileSize
     * @param verifier judges each full page read, or null
     */
    public SelectedPages(FileChannel channel, int[] blocks, long fileSize, PageChecksumVerifier verifier) {
        this.channel = channel;
        this.blocks = blocks.clone();
        this.fileSize = fileSize;
        this.verifier = verifier;
    }

    @Override
    public int next(byte[] page) throws IOException {
        if (index + 1 >= blocks.length) {
            return -1;
        }
        int block = blocks[++index];
        if (block < runFirst || block >= runFirst + runPages) {
            readRun(block);
        }
        int length = (int) Math.min(PageHeader.PAGE_SIZE, fileSize - (long) block * PageHeader.PAGE_SIZE);
        System.arraycopy(run, (int) (block - runFirst) * PageHeader.PAGE_SIZE, page, 0, length);
        if (verifier != null && length == PageHeader.PAGE_SIZE) {
            verifier.verify(page, block);
        }
        return length;
    }

    /** Reads block and the selected blocks right after it, as far as one read call goes. */
    private void readRun(int block) throws IOException {
        int pages = 1;
        while (index + pages < blocks.length && pages < PAGES_PER_READ && blocks[index + pages] == block + pages) {
            pages++;
        }
        long start = (long) block * PageHeader.PAGE_SIZE;
        int length = (int) Math.min((long) pages * PageHeader.PAGE_SIZE, fileSize - start);
        ByteBuffer buffer = ByteBuffer.wrap(run, 0, length);
        while (buffer.hasRemaining() && channel.read(buffer, start + buffer.position()) > 0) {
            // positional reads return short counts only at the end of the file
        }
        Arrays.fill(run, buffer.position(), length, (byte) 0);
        runFirst = block;
        runPages = pages;
    }

    @Override
    public int block() {
        return blocks[index];
    }

    @Override
    public long fileSize() {
        return fileSize;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
