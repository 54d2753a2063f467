/*
 * What one run of the backup engine is asked to do. Defaults are pgBackRest-like: full, from a
 * standby, zstd:1, 64 MiB tar parts (small files share a part; a part's upload is one stream).
 */
package io.pgbk.core.backup;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.error.PgbkException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * @param type                the type asked for (incr falls back to full when no parent can be used)
 * @param from                which kind of server is accepted
 * @param jobs                parallel file readers (and part uploads)
 * @param compression         how parts are compressed
 * @param partTargetSize      tar bytes after which a part is closed; a larger file gets a part of its own
 * @param archiveTimeout      how long to wait for the backup's WAL to arrive in the repository
 * @param maxIncrementalChain how many incremental backups may follow a full one
 * @param pgdata              the data directory to read (on this host); null in stream mode, where
 *                            pg_basebackup reads it on the node
 * @param lockDirectory       where the host-local lock file lives (the spool directory)
 * @param staleLockAfter      a repository lock without heartbeat for this long belongs to a dead process
 */
public record BackupOptions(BackupType type, SourcePolicy from, int jobs, Compression compression,
        long partTargetSize, Duration archiveTimeout, int maxIncrementalChain, Path pgdata, Path lockDirectory,
        Duration staleLockAfter) {

    public static final long DEFAULT_PART_SIZE = 64L * 1024 * 1024;
    public static final Duration DEFAULT_ARCHIVE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_STALE_LOCK = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_INCREMENTAL_CHAIN = 6;

    public BackupOptions {
        if (jobs < 1) {
            throw new PgbkException("invalid jobs " + jobs + ": expected at least 1");
        }
        if (partTargetSize < 1) {
            throw new PgbkException("invalid part size " + partTargetSize);
        }
    }

    public static BackupOptions defaults(Path pgdata, Path lockDirectory) {
        return new BackupOptions(BackupType.FULL, SourcePolicy.STANDBY, 1, Compression.DEFAULT, DEFAULT_PART_SIZE,
                DEFAULT_ARCHIVE_TIMEOUT, DEFAULT_MAX_INCREMENTAL_CHAIN, pgdata, lockDirectory, DEFAULT_STALE_LOCK);
    }

    public BackupOptions withType(BackupType value) {
        return new BackupOptions(value, from, jobs, compression, partTargetSize, archiveTimeout, maxIncrementalChain,
                pgdata, lockDirectory, staleLockAfter);
    }

    public BackupOptions withFrom(SourcePolicy value) {
        return new BackupOptions(type, value, jobs, compression, partTargetSize, archiveTimeout, maxIncrementalChain,
                pgdata, lockDirectory, staleLockAfter);
    }

    public BackupOptions withJobs(int value) {
        return new BackupOptions(type, from, value, compression, partTargetSize, archiveTimeout, maxIncrementalChain,
                pgdata, lockDirectory, staleLockAfter);
    }

    public BackupOptions withCompression(Compression value) {
        return new BackupOptions(type, from, jobs, value, partTargetSize, archiveTimeout, maxIncrementalChain,
                pgdata, lockDirectory, staleLockAfter);
    }

    public BackupOptions withPartTargetSize(long value) {
        return new BackupOptions(type, from, jobs, compression, value, archiveTimeout, maxIncrementalChain,
                pgdata, lockDirectory, staleLockAfter);
    }

    public BackupOptions withArchiveTimeout(Duration value) {
        return new BackupOptions(type, from, jobs, compression, partTargetSize, value, maxIncrementalChain,
                pgdata, lockDirectory, staleLockAfter);
    }

    public BackupOptions withMaxIncrementalChain(int value) {
        return new BackupOptions(type, from, jobs, compression, partTargetSize, archiveTimeout, value,
                pgdata, lockDirectory, staleLockAfter);
    }
}
