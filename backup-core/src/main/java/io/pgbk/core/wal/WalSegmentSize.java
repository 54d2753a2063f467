/*
 * The size of a WAL segment file, fixed per cluster at initdb (--wal-segsize) and recorded in
 * pg_control and in the long header of every segment. Every mapping between an LSN and a segment
 * file name depends on it, so it travels with that arithmetic instead of being assumed to be
 * 16 MiB. PostgreSQL accepts powers of two from 1 MiB to 1 GiB; so does this type.
 */
package io.pgbk.core.wal;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.pgbk.error.PgbkException;

public record WalSegmentSize(int bytes) {

    public static final WalSegmentSize DEFAULT = new WalSegmentSize(16 * 1024 * 1024);
    private static final long MIN = 1024 * 1024;
    private static final long MAX = 1024 * 1024 * 1024;
    /** One "log id" (the middle 8 hex digits of a segment name) spans 4 GiB of WAL. */
    private static final long BYTES_PER_LOG_ID = 0x1_0000_0000L;

    public WalSegmentSize {
        if (bytes < MIN || bytes > MAX || Integer.bitCount(bytes) != 1) {
            throw invalid(bytes);
        }
    }

    @JsonCreator
    public static WalSegmentSize ofBytes(long bytes) {
        if (bytes < MIN || bytes > MAX) {
            throw invalid(bytes);
        }
        return new WalSegmentSize((int) bytes);
    }

    private static PgbkException invalid(long bytes) {
        return new PgbkException("invalid WAL segment size " + bytes
                + " bytes: PostgreSQL uses a power of two from 1 MiB to 1 GiB");
    }

    /** How many segments one log id holds: the exclusive upper bound of a name's last 8 hex digits. */
    public long segmentsPerLogId() {
        return BYTES_PER_LOG_ID / bytes;
    }

    @JsonValue
    @Override
    public int bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return bytes / (1024 * 1024) + " MiB";
    }
}
