/*
 * What the backup engine learns of the node before it starts: whether it is a standby (policy,
 * and where the WAL must come from), what it is (version, system identifier, compared with the
 * repository), whether its pages carry checksums to verify, and whether page LSNs can be trusted
 * for block-incremental backups.
 */
package io.pgbk.core.backup;

import io.pgbk.core.wal.SystemIdentifier;

/**
 * @param walLogHints wal_log_hints: with it or with data checksums, a hint bit set on a page moves
 *                    the page's LSN (a full-page image), which block-incremental backups rely on
 */
public record ServerState(boolean standby, String version, int versionNumber, SystemIdentifier systemIdentifier,
        boolean dataChecksums, boolean walLogHints) {

    public int majorVersion() {
        return versionNumber / 10000;
    }
}
