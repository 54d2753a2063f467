/*
 * The outcome of verifying the pages of one relation file: enough to report corruption by block
 * and to judge the pages that verification had to trust.
 */
package io.pgbk.core.page;

import io.pgbk.core.wal.Lsn;
import java.util.List;

/**
 * @param file                 the file's path relative to the data directory, for messages
 * @param pagesVerified        full pages whose checksum was computed
 * @param pagesChangedDuringBackup full pages skipped because their LSN is at or after the backup's start
 * @param highestSkippedLsn    the highest LSN among those skipped pages (0/0 when none): a page LSN
 *                             beyond the backup's stop LSN cannot be a concurrent write, it is damage
 * @param corruptBlocks        block numbers within this file (byte offset / 8192), ascending
 * @param partialTailBytes     bytes of a last, incomplete page that could not be verified (0 normally;
 *                             the file was being extended while it was read)
 */
public record PageChecksumResult(
        String file,
        long pagesVerified,
        long pagesChangedDuringBackup,
        Lsn highestSkippedLsn,
        List<Integer> corruptBlocks,
        int partialTailBytes) {

    public PageChecksumResult {
        corruptBlocks = List.copyOf(corruptBlocks);
    }

    public boolean hasCorruption() {
        return !corruptBlocks.isEmpty();
    }
}
