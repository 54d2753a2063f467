/*
 * What the backup engine learns of the node before it starts: whether it is a standby (policy,
 * and where the WAL must come from), what it is (version, system identifier, compared with the
 * repository), and whether its pages carry checksums to verify (a parent taken with another
 * setting cannot be built on: pg_checksums rewrites every page without moving its LSN).
 */
package io.pgbk.core.backup;

import io.pgbk.core.wal.SystemIdentifier;

public record ServerState(boolean standby, String version, int versionNumber, SystemIdentifier systemIdentifier,
        boolean dataChecksums) {

    public int majorVersion() {
        return versionNumber / 10000;
    }
}
