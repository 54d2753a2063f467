/*
 * The header that opens every 8 KiB page of a relation file (PostgreSQL's PageHeaderData,
 * src/include/storage/bufpage.h). Backups read only four things from it: the LSN of the last
 * WAL record that changed the page (incremental backups keep pages newer than the parent's
 * start, checksum verification tolerates pages newer than the backup's start), the stored
 * checksum, and pd_upper, which is zero only on a page that was never initialised.
 *
 * Fields are stored in the server's native byte order; pgbk reads them as little-endian, the
 * order of every platform PostgreSQL is deployed on today (x86-64, aarch64).
 */
package io.pgbk.core.page;

import io.pgbk.core.wal.Lsn;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * @param lsn          pd_lsn (xlogid is the high half, xrecoff the low half)
 * @param checksum     pd_checksum, 0..65535
 * @param flags        pd_flags
 * @param lower        pd_lower: offset to the start of free space
 * @param upper        pd_upper: offset to the end of free space; 0 on a new page
 * @param special      pd_special: offset to the start of the special space
 */
public record PageHeader(Lsn lsn, int checksum, int flags, int lower, int upper, int special) {

    /** BLCKSZ: pgbk supports PostgreSQL's default page size only (cluster.json records it). */
    public static final int PAGE_SIZE = 8192;

    static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Reads the header of the page that starts at {@code offset} in {@code page}. */
    public static PageHeader read(byte[] page, int offset) {
        return new PageHeader(
                new Lsn(lsnOf(page, offset)),
                uint16(page, offset + 8),
                uint16(page, offset + 10),
                uint16(page, offset + 12),
                uint16(page, offset + 14),
                uint16(page, offset + 16));
    }

    /** pd_lsn alone as an unsigned long, for the loops that look at nothing else. */
    static long lsnOf(byte[] page, int offset) {
        long xlogid = Integer.toUnsignedLong((int) INT_LE.get(page, offset));
        long xrecoff = Integer.toUnsignedLong((int) INT_LE.get(page, offset + 4));
        return xlogid << 32 | xrecoff;
    }

    /** PostgreSQL's PageIsNew: a page that was allocated but never initialised has pd_upper 0. */
    public boolean isNew() {
        return upper == 0;
    }

    /** True when all {@code PAGE_SIZE} bytes are zero: the only valid content of a new page. */
    public static boolean isAllZero(byte[] page, int offset) {
        for (int i = offset; i < offset + PAGE_SIZE; i += Long.BYTES) {
            if ((long) LONG_LE.get(page, i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static int uint16(byte[] page, int at) {
        return Short.toUnsignedInt((short) SHORT_LE.get(page, at));
    }
}
