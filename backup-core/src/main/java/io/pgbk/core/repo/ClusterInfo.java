/*
 * The identity of the PostgreSQL cluster a repository area belongs to, stored once as
 * <cluster>/cluster.json by the first write and checked by every later one: WAL or backups of
 * another system, another segment size or another major version would make restores fail in
 * ways found only on the day they are needed, so they are refused when written.
 *
 * walBlockSize is XLOG_BLCKSZ, read from WAL headers (the data block size lives in pg_control).
 */
package io.pgbk.core.repo;

import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.WalSegmentHeader;
import io.pgbk.core.wal.WalSegmentSize;

public record ClusterInfo(SystemIdentifier systemIdentifier, int pgMajorVersion, WalSegmentSize walSegmentSize,
        int walBlockSize, int formatVersion) {

    /** The repository format this code writes and reads; a newer one is refused, never guessed at. */
    public static final int FORMAT_VERSION = 1;

    /** The identity a WAL segment's long header proves. */
    public static ClusterInfo of(WalSegmentHeader header) {
        return new ClusterInfo(header.systemIdentifier(), header.pgMajorVersion(), header.segmentSize(),
                header.walBlockSize(), FORMAT_VERSION);
    }
}
