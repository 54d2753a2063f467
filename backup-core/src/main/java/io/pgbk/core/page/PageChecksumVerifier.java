/*
 * Verifies PostgreSQL page checksums while a relation file streams past, so that a backup never
 * reads a file twice to check it. Each full 8 KiB page is judged as it goes by (see PageState):
 * new all-zero pages carry no checksum; pages with an LSN at or after the backup's start LSN are
 * tolerated because PostgreSQL may be writing them concurrently and WAL replay restores them
 * (PostgreSQL's own base backup and pgBackRest do the same); every other page must match its
 * stored checksum.
 *
 * Failures are collected, not thrown: a failure may be a torn read of a page that was being
 * written, so the backup engine re-reads the failed blocks once, judges them again with
 * check(), and decides what to report. The bytes pass through unchanged.
 */
package io.pgbk.core.page;

import io.pgbk.core.wal.Lsn;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

public final class PageChecksumVerifier extends PageStream {
    private final InputStream in;
    private final String file;
    private final long firstBlockNumber;
    private final long backupStartLsn;
    private final PageChecksum checksum = new PageChecksum();
    private int blockInFile;
    private boolean ended;

    private long pagesVerified;
    private long pagesChangedDuringBackup;
    private long highestSkippedLsn;
    private int partialTailBytes;
    private final List<Integer> corruptBlocks = new ArrayList<>();

    /**
     * @param in               the relation file from its first byte
     * @param file             its path relative to the data directory, for the result
     * @param firstBlockNumber the relation block number of the file's first page: segment number
     *                         times 131072 (see RelationFile.firstBlockNumber)
     * @param backupStartLsn   the start LSN returned by pg_backup_start
     */
    public PageChecksumVerifier(InputStream in, String file, long firstBlockNumber, Lsn backupStartLsn) {
        this.in = in;
        this.file = file;
        this.firstBlockNumber = firstBlockNumber;
        this.backupStartLsn = backupStartLsn.value();
    }

    /**
     * Judges one full page, e.g. a failed block re-read by the engine.
     *
     * @param blockInFile the page's block number within this file (offset / 8192)
     */
    public PageState check(byte[] buffer, int offset, int blockInFile) {
        PageHeader header = PageHeader.read(buffer, offset);
        if (Long.compareUnsigned(header.lsn().value(), backupStartLsn) >= 0) {
            return PageState.CHANGED_DURING_BACKUP;
        }
        if (header.isNew()) {
            return PageHeader.isAllZero(buffer, offset) ? PageState.NEW : PageState.CORRUPT;
        }
        int expected = checksum.compute(buffer, offset, firstBlockNumber + blockInFile);
        return header.checksum() == expected ? PageState.VALID : PageState.CORRUPT;
    }

    /** What was found so far; complete once the stream has been read to its end. */
    public PageChecksumResult result() {
        return new PageChecksumResult(file, pagesVerified, pagesChangedDuringBackup, new Lsn(highestSkippedLsn),
                corruptBlocks, partialTailBytes);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    @Override
    protected boolean nextPage() throws IOException {
        if (ended) {
            return false;
        }
        int n = in.readNBytes(page, 0, PageHeader.PAGE_SIZE);
        if (n < PageHeader.PAGE_SIZE) {
            ended = true;
            partialTailBytes = n;
        } else {
            verify(page, blockInFile);
            blockInFile++;
        }
        position = 0;
        limit = n;
        return n > 0;
    }

    /**
     * The verifier of a file whose pages are read out of order or only in part (SelectedPages):
     * each page read is handed to verify() instead of streaming through.
     */
    public static PageChecksumVerifier forSelectedPages(String file, long firstBlockNumber, Lsn backupStartLsn) {
        return new PageChecksumVerifier(InputStream.nullInputStream(), file, firstBlockNumber, backupStartLsn);
    }

    /** Judges one full page read by the caller and counts it in result(). */
    public void verify(byte[] buffer, int blockInFile) {
        switch (check(buffer, 0, blockInFile)) {
            case VALID -> pagesVerified++;
            case NEW -> {
                // nothing to verify in a page PostgreSQL has not written yet
            }
            case CHANGED_DURING_BACKUP -> {
                pagesChangedDuringBackup++;
                long lsn = PageHeader.lsnOf(buffer, 0);
                if (Long.compareUnsigned(lsn, highestSkippedLsn) > 0) {
                    highestSkippedLsn = lsn;
                }
            }
            case CORRUPT -> corruptBlocks.add(blockInFile);
        }
    }
}
