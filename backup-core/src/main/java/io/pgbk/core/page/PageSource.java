/*
 * Where a ChangedPageFilter takes the pages of a relation file from: all of them in order
 * (SequentialPages), or only the blocks a WAL summary names (SelectedPages). Either way in
 * ascending block order, and the file's size is known at the end.
 */
package io.pgbk.core.page;

import java.io.Closeable;
import java.io.IOException;

public interface PageSource extends Closeable {

    /**
     * Reads the next page into page; returns its length (PAGE_SIZE, or less for the file's
     * incomplete last page), or -1 when there is no next page.
     */
    int next(byte[] page) throws IOException;

    /** The block number within the file of the page next() read last. */
    int block();

    /** The file's size; final once next() returned -1. */
    long fileSize();
}
