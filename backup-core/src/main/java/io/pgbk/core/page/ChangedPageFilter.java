/*
 * The page selection of a block-incremental backup: it reads a relation file and passes on only
 * the pages that may differ from the parent backup's copy, recording their block numbers in a
 * PageMap. A page is passed on when
 *  - its LSN is at or after the parent backup's start LSN. A page last changed before that
 *    point was flushed by the parent's start checkpoint and copied intact by the parent. A page
 *    changed after it may be torn in the parent's copy, which only the parent's WAL replay from
 *    its start repaired; restoring this backup replays WAL from this backup's start only, so
 *    the threshold is the parent's START, not its stop;
 *  - it is new (pd_upper 0, all zero or not): a new page carries no LSN, so its age cannot be
 *    told, and it may stand where the parent had an older page before VACUUM truncated the
 *    relation and it grew again; keeping the parent's page there would resurrect old rows.
 *    Zero pages cost nothing once compressed;
 *  - the parent's copy does not hold it in full: the file grew, or the parent read an
 *    incomplete last page.
 * A last, incomplete page is always passed on (its header cannot be trusted).
 *
 * Hint bits set without WAL (checksums and wal_log_hints off) change a page without changing
 * its LSN; missing them is harmless, PostgreSQL sets hint bits again. Files whose pages carry
 * LSNs from elsewhere (copied by CREATE DATABASE ... STRATEGY FILE_COPY or ALTER ... SET
 * TABLESPACE) get a new relfilenode, hence a new path with no parent copy: the engine backs up
 * such files in full.
 */
package io.pgbk.core.page;

import io.pgbk.core.wal.Lsn;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

public final class ChangedPageFilter extends PageStream {
    private final PageSource source;
    private final long parentStartLsn;
    private final long parentFileSize;
    private boolean ended;
    private int[] changed = new int[64];
    private int changedCount;

    /**
     * @param in             the relation file from its first byte
     * @param parentStartLsn the start LSN of the parent backup
     * @param parentFileSize the size of the file in the parent backup (0 when it had none)
     */
    public ChangedPageFilter(InputStream in, Lsn parentStartLsn, long parentFileSize) {
        this(new SequentialPages(in), parentStartLsn, parentFileSize);
    }

    /**
     * Passes on every page of source and maps them: the pages a WAL summary selected are stored
     * all, so that their total size is known before they are read (a page the WAL touched has an
     * LSN past the parent's start anyway).
     */
    public static ChangedPageFilter passingEvery(PageSource source) {
        return new ChangedPageFilter(source, Lsn.INVALID, 0);
    }

    private ChangedPageFilter(PageSource source, Lsn parentStartLsn, long parentFileSize) {
        this.source = source;
        this.parentStartLsn = parentStartLsn.value();
        this.parentFileSize = parentFileSize;
    }

    /** The pages passed on and the file's size; available once the stream was read to its end. */
    public PageMap pageMap() {
        if (!ended) {
            throw new IllegalStateException("the page map is known only at the end of the file");
        }
        return new PageMap(source.fileSize(), Arrays.copyOf(changed, changedCount));
    }

    @Override
    public void close() throws IOException {
        source.close();
    }

    /** Reads pages until one is passed on (true) or the file ends (false). */
    @Override
    protected boolean nextPage() throws IOException {
        while (!ended) {
            int n = source.next(page);
            if (n < 0) {
                ended = true;
                return false;
            }
            int current = source.block();
            // an incomplete last page is always passed on: its header cannot be trusted
            if (n < PageHeader.PAGE_SIZE || isChanged(current)) {
                record(current);
                position = 0;
                limit = n;
                return true;
            }
        }
        return false;
    }

    private boolean isChanged(int current) {
        long pageEnd = (long) (current + 1) * PageHeader.PAGE_SIZE;
        return pageEnd > parentFileSize
                || PageHeader.read(page, 0).isNew()
                || Long.compareUnsigned(PageHeader.lsnOf(page, 0), parentStartLsn) >= 0;
    }

    private void record(int changedBlock) {
        if (changedCount == changed.length) {
            changed = Arrays.copyOf(changed, changedCount * 2);
        }
        changed[changedCount++] = changedBlock;
    }
}
