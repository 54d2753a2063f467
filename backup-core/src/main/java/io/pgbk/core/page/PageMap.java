/*
 * Which pages of a relation file a block-incremental backup stored, and how long the file was.
 * The stored object holds exactly those pages, in this order; every other page comes from the
 * parent backup's copy of the file, and the size cuts off what the parent had beyond the end
 * (a relation truncated by VACUUM).
 *
 * Its text form, for the backup manifest, is "<file size>:<block ranges>", e.g.
 * "1638400:0-3,7,190-199" or "8192:" when no page changed: a fully rewritten 1 GiB segment is
 * still one short range, not 131072 numbers.
 */
package io.pgbk.core.page;

import io.pgbk.error.PgbkException;
import java.util.Arrays;
import java.util.StringJoiner;
import java.util.stream.IntStream;

public record PageMap(long fileSize, int[] blocks) {

    /** Blocks must be ascending, unique, and inside the file. */
    public PageMap {
        if (fileSize < 0) {
            throw new IllegalArgumentException("negative file size " + fileSize);
        }
        blocks = blocks.clone();
        long blockCount = blockCount(fileSize);
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] < 0 || blocks[i] >= blockCount || i > 0 && blocks[i] <= blocks[i - 1]) {
                throw new IllegalArgumentException("page map blocks must ascend within " + blockCount
                        + " blocks, found " + blocks[i]);
            }
        }
    }

    /** Pages in a file of this size, counting an incomplete last page. */
    public static long blockCount(long fileSize) {
        return (fileSize + PageHeader.PAGE_SIZE - 1) / PageHeader.PAGE_SIZE;
    }

    public long blockCount() {
        return blockCount(fileSize);
    }

    @Override
    public int[] blocks() {
        return blocks.clone();
    }

    public int pageCount() {
        return blocks.length;
    }

    /** The i-th stored block, in ascending order. */
    public int block(int index) {
        return blocks[index];
    }

    /** Bytes of the changed-pages object: the last page may be the file's incomplete tail. */
    public long storedSize() {
        long size = 0;
        for (int block : blocks) {
            size += pageLength(block);
        }
        return size;
    }

    /** Length of block {@code block} in this file: a full page except perhaps the last one. */
    public int pageLength(long block) {
        return (int) Math.min(PageHeader.PAGE_SIZE, fileSize - block * PageHeader.PAGE_SIZE);
    }

    public static PageMap parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new PgbkException("invalid page map \"" + text + "\": expected <size>:<blocks>");
        }
        try {
            long size = Long.parseLong(text.substring(0, colon));
            String ranges = text.substring(colon + 1);
            int[] blocks = ranges.isEmpty() ? new int[0] : Arrays.stream(ranges.split(","))
                    .flatMapToInt(range -> {
                        int dash = range.indexOf('-');
                        int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                        int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1));
                        return IntStream.rangeClosed(first, last);
                    })
                    .toArray();
            return new PageMap(size, blocks);
        } catch (IllegalArgumentException e) {
            throw new PgbkException("invalid page map \"" + text + "\": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        StringJoiner ranges = new StringJoiner(",");
        int i = 0;
        while (i < blocks.length) {
            int first = blocks[i];
            while (i + 1 < blocks.length && blocks[i + 1] == blocks[i] + 1) {
                i++;
            }
            ranges.add(first == blocks[i] ? Integer.toString(first) : first + "-" + blocks[i]);
            i++;
        }
        return fileSize + ":" + ranges;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PageMap map && map.fileSize == fileSize && Arrays.equals(map.blocks, blocks);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(fileSize) * 31 + Arrays.hashCode(blocks);
    }
}
