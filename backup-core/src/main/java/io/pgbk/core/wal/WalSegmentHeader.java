/*
 * The long page header that opens every WAL segment (XLogLongPageHeaderData). It is the only
 * proof of a segment's origin that travels with the file: the system identifier of the cluster
 * that wrote it, the segment and WAL block sizes, the page's own address, and, through the page
 * magic, the PostgreSQL major version. The archive checks it before storing anything.
 *
 * Layout (40 bytes, the byte order of the writing machine: little-endian on every platform
 * pgbk supports):
 *   0 xlp_magic u16, 2 xlp_info u16, 4 xlp_tli u32, 8 xlp_pageaddr u64, 16 xlp_rem_len u32,
 *   20 padding, 24 xlp_sysid u64, 32 xlp_seg_size u32, 36 xlp_xlog_blcksz u32.
 *
 * XLOG_PAGE_MAGIC per major version, as defined in each release's src/include/access/
 * xlog_internal.h (cross-checked against pgBackRest's vendored copies; 15 also against a
 * segment written by the PostgreSQL 15 server here). 19 is left out until its release fixes it.
 */
package io.pgbk.core.wal;

import io.pgbk.error.PgbkException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

public record WalSegmentHeader(int pgMajorVersion, TimelineId pageTimeline, Lsn pageAddress,
        SystemIdentifier systemIdentifier, WalSegmentSize segmentSize, int walBlockSize) {

    public static final int SIZE = 40;
    private static final Map<Integer, Integer> MAJOR_VERSION_BY_MAGIC = Map.of(
            0xD106, 13,
            0xD10D, 14,
            0xD110, 15,
            0xD113, 16,
            0xD116, 17,
            0xD118, 18);
    private static final int XLP_LONG_HEADER = 0x0002;
    /*
     * XLP_FIRST_IS_CONTRECORD, XLP_LONG_HEADER, XLP_BKP_REMOVABLE and XLP_FIRST_IS_OVERWRITE_CONTRECORD
     * (0x0008: the first page after a record that a crash left incomplete, in every version pgbk
     * reads; a segment may begin with it).
     */
    private static final int XLP_ALL_FLAGS = 0x000F;
    private static final int MIN_BLOCK_SIZE = 1024;
    private static final int MAX_BLOCK_SIZE = 64 * 1024;

    /**
     * Reads the header from the first SIZE bytes of a segment.
     * source names the file in messages ("WAL file 000000010000000000000001").
     */
    public static WalSegmentHeader parse(ByteBuffer firstBytes, String source) {
        if (firstBytes.remaining() < SIZE) {
            throw new PgbkException(source + " is too short for a WAL page header ("
                    + firstBytes.remaining() + " bytes)");
        }
        ByteBuffer header = firstBytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        int magic = Short.toUnsignedInt(header.getShort(0));
        int info = Short.toUnsignedInt(header.getShort(2));
        long timeline = Integer.toUnsignedLong(header.getInt(4));
        long pageAddress = header.getLong(8);
        long systemIdentifier = header.getLong(24);
        long segmentSize = Integer.toUnsignedLong(header.getInt(32));
        long blockSize = Integer.toUnsignedLong(header.getInt(36));

        Integer major = MAJOR_VERSION_BY_MAGIC.get(magic);
        if (major == null) {
            throw new PgbkException(magic == 0
                    ? source + " has no WAL page header (it starts with zeros)"
                    : String.format("%s has WAL page magic 0x%04X, which no PostgreSQL version pgbk knows "
                            + "(13 to 18) writes", source, magic));
        }
        if ((info & XLP_LONG_HEADER) == 0 || (info & ~XLP_ALL_FLAGS) != 0) {
            throw new PgbkException(String.format("%s does not start with a long WAL page header "
                    + "(xlp_info 0x%04X): not the beginning of a segment", source, info));
        }
        if (timeline == 0) {
            throw new PgbkException(source + " has timeline 0 in its page header");
        }
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Long.bitCount(blockSize) != 1) {
            throw new PgbkException(source + " has an invalid WAL block size in its header: " + blockSize);
        }
        WalSegmentSize size;
        try {
            size = WalSegmentSize.ofBytes(segmentSize);
        } catch (PgbkException e) {
            throw new PgbkException(source + " has an invalid segment size in its header: " + segmentSize + " bytes");
        }
        return new WalSegmentHeader(major, new TimelineId(timeline), new Lsn(pageAddress),
                new SystemIdentifier(systemIdentifier), size, (int) blockSize);
    }
}
