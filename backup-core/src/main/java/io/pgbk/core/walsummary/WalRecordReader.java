/*
 * Walks the WAL records of consecutive segments and tells a visitor which relation blocks each
 * one references: the raw material of a WAL summary (PostgreSQL 17 builds the same thing in its
 * walsummarizer process; pgbk builds it from the WAL it archives, for every version it reads).
 *
 * The format (src/include/access/xlogrecord.h and xlog_internal.h, the same from 15 to 17):
 *  - a segment is a series of 8 KiB pages. Each page opens with a header (24 bytes, 40 on a
 *    segment's first page): magic, flags, timeline, the page's own address, and xlp_rem_len, the
 *    bytes of a record continued from the previous page;
 *  - records start 8-byte aligned and flow over page boundaries. A record is a 24-byte header
 *    (total length, xid, previous record, info, resource manager, CRC), then one header per block
 *    reference (id, fork and flags, data length, an optional page image header, the relation
 *    unless it is the previous block's, the block number), then the main data header; then the
 *    blocks' images and data, and the main data last;
 *  - an XLOG_SWITCH record ends its segment: the rest is padding;
 *  - a record that a crash left incomplete is abandoned: crash recovery ends before it and writes
 *    its next record where the rest would have begun, on a page flagged
 *    XLP_FIRST_IS_OVERWRITE_CONTRECORD instead of XLP_FIRST_IS_CONTRECORD. Reading goes on from
 *    there; the blocks the abandoned record named, if its headers were read, stay reported (more
 *    pages read by a backup, never fewer).
 * Only the headers are decoded; images and data are skipped by their lengths, so the cost is
 * the pages' arrival, not the records.
 *
 * Reading starts at the first record that begins in the first segment (the continuation of a
 * record from an earlier segment is skipped), reports the records from the start LSN on and
 * stops at the first record that begins at or after the end LSN. Anything that is not what PostgreSQL writes (a wrong page address, a
 * continuation that does not continue, a length that does not add up) is an error, never a
 * guess: the caller then falls back to reading every page.
 *
 * An open-ended reader (one segment, summarised as it is archived: SegmentSummaries) is fed the
 * segment and, when it can be had, the first pages of the next one from pg_wal, which
 * PostgreSQL may be writing at that moment. It checks the CRC of every record it reads whole, so
 * that no byte of a page caught half-written is believed, and takes the end of its feed inside
 * the last record as the end of the reading when that record's block references were decoded
 * from the segment's own bytes: they lie at its start. A record whose headers (or main data
 * that is wanted) need bytes of the next segment counts only if it ends, CRC and all, in what
 * was fed; otherwise there is no summary.
 */
package io.pgbk.core.walsummary;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalSegmentSize;
import java.io.IOException;
import java.util.Set;
import java.util.zip.CRC32C;
import java.util.function.LongSupplier;

final class WalRecordReader {
    static final int PAGE_SIZE = 8192;
    /** XLOG_PAGE_MAGIC of 15, 16 and 17, whose record and block header layouts are identical. */
    private static final Set<Integer> MAGICS = Set.of(0xD110, 0xD113, 0xD116);
    private static final int SHORT_PAGE_HEADER = 24;
    private static final int LONG_PAGE_HEADER = 40;
    private static final int XLP_FIRST_IS_CONTRECORD = 0x0001;
    private static final int XLP_LONG_HEADER = 0x0002;
    private static final int XLP_FIRST_IS_OVERWRITE_CONTRECORD = 0x0008;
    private static final int RECORD_HEADER = 24;
    /**
     * More than the longest header section: the record header, 33 block headers of at most 27
     * bytes, the origin, the top-level xid and the main data header (about 930 bytes).
     */
    private static final int HEADER_BYTES = 1024;
    private static final int XLR_MAX_BLOCK_ID = 32;
    private static final int XLR_BLOCK_ID_DATA_SHORT = 255;
    private static final int XLR_BLOCK_ID_DATA_LONG = 254;
    private static final int XLR_BLOCK_ID_ORIGIN = 253;
    private static final int XLR_BLOCK_ID_TOPLEVEL_XID = 252;
    private static final int BKPBLOCK_FORK_MASK = 0x0F;
    private static final int BKPBLOCK_HAS_IMAGE = 0x10;
    private static final int BKPBLOCK_SAME_REL = 0x80;
    private static final int BKPIMAGE_HAS_HOLE = 0x01;
    private static final int BKPIMAGE_COMPRESSED = 0x04 | 0x08 | 0x10;
    private static final int RM_XLOG_ID = 0;
    private static final int XLOG_SWITCH = 0x40;
    private static final int XLR_RMGR_INFO_MASK = 0xF0;

    /** The segments to read, in order, each whole. */
    interface SegmentFeed {
        /** The next segment's bytes, null past the end's segment; an IOException when it cannot be had. */
        byte[] next() throws IOException;
    }

    /** What the reader reports. */
    interface RecordVisitor {
        void block(long tablespace, long database, long relfilenode, int fork, long block);

        /** Whether this record's main data is wanted (info has the resource manager's bits and the flags). */
        boolean wantsMainData(int resourceManager, int info);

        void mainData(int resourceManager, int info, byte[] data) throws IOException;
    }

    private final SegmentFeed feed;
    private final RecordVisitor visitor;
    private final boolean openEnded;
    /** The end LSN; unsigned maximum while it is not known yet. */
    private LongSupplier end;
    private byte[] segment;
    private long segmentStart;
    private int offset;
    private int magic;
    /** Bytes of the current record not consumed yet: what the next page's xlp_rem_len must say. */
    private long recordRemaining;
    private long records;
    private final byte[] header = new byte[HEADER_BYTES];
    private int headerAt;
    private int headerLength;
    /** The CRC of the current record's bytes after its header, as they pass (open-ended readers only). */
    private CRC32C crc;
    /** The segments fed so far: more than one once the current record ran into the next. */
    private int segmentsFed;
    /** The segment in which the current record's headers were complete. */
    private int headersIn;

    WalRecordReader(SegmentFeed feed, RecordVisitor visitor) {
        this(feed, visitor, false);
    }

    /** @param openEnded whether the feed may end inside the last record (see above) */
    WalRecordReader(SegmentFeed feed, RecordVisitor visitor, boolean openEnded) {
        this.feed = feed;
        this.visitor = visitor;
        this.openEnded = openEnded;
    }

    /**
     * Reads the records from the start of from's segment up to the first that begins at or after
     * end, and reports those that begin at or after from: a record that began before it is in the
     * pages of the checkpoint whose redo point from is. end may become known while reading (it
     * says the unsigned maximum until then); the feed then ends past its segment. Returns the
     * records read.
     */
    long read(Lsn from, LongSupplier end, WalSegmentSize segmentSize) throws IOException {
        this.end = end;
        segment = feed.next();
        segmentsFed = 1;
        if (segment == null) {
            throw new IOException("no WAL from " + from);
        }
        segmentStart = from.segmentStart(segmentSize).value();
        offset = 0;
        int info = pageHeader();
        if ((info & XLP_FIRST_IS_CONTRECORD) != 0) {
            recordRemaining = remLen();
            offset += LONG_PAGE_HEADER;
            skip(recordRemaining);
        } else {
            offset += LONG_PAGE_HEADER;
        }
        while (true) {
            offset = (offset + 7) & ~7;
            if (reached()) {
                return records;
            }
            if (offset == segment.length && !nextSegment()) {
                if (reached()) {
                    return records;
                }
                throw new IOException("the WAL ends at " + new Lsn(segmentStart + offset) + ", before "
                        + new Lsn(end.getAsLong()));
            }
            if (offset % PAGE_SIZE == 0) {
                enterPage();
                if (reached()) {
                    return records;
                }
            }
            try {
                if (record(from)) {
                    // XLOG_SWITCH: the rest of the segment is padding
                    offset = segment.length;
                }
                records++;
            } catch (AbandonedRecord e) {
                // the next record begins after the page header the record ran into
            } catch (FeedEnded e) {
                // the record's block references came from the segment's own bytes
                if (!openEnded || !e.headersRead || headersIn > 1) {
                    throw e;
                }
                return records + 1;
            }
        }
    }

    /** Unwinds the reading of a record that a crash left incomplete, from the page that says so. */
    private static final class AbandonedRecord extends RuntimeException {
        AbandonedRecord() {
            super(null, null, false, false);
        }
    }

    /** The feed ended inside a record; headersRead once its block references were reported. */
    private static final class FeedEnded extends IOException {
        private boolean headersRead;

        FeedEnded(String message) {
            super(message);
        }
    }

    /** Whether the position is at or past the end, as far as the end is known yet. */
    private boolean reached() {
        return Long.compareUnsigned(segmentStart + offset, end.getAsLong()) >= 0;
    }

    /** Moves to the start of the next segment; false when the feed has none. */
    private boolean nextSegment() throws IOException {
        byte[] next = feed.next();
        if (next == null) {
            return false;
        }
        segmentStart += segment.length;
        segment = next;
        segmentsFed++;
        offset = 0;
        return true;
    }

    /**
     * Decodes the record at the current position, and reports it if it begins at or after from;
     * true when it was an XLOG_SWITCH. Its first bytes (all its headers fit in HEADER_BYTES) are
     * copied out of the pages once and decoded from there; the rest is skipped by length.
     */
    private boolean record(Lsn from) throws IOException {
        long start = segmentStart + offset;
        boolean reported = Long.compareUnsigned(start, from.value()) >= 0;
        long totalLength = Integer.toUnsignedLong(littleEndianInt(segment, offset));
        if (totalLength < RECORD_HEADER) {
            throw new IOException("no WAL record at " + new Lsn(start) + " (length " + totalLength
                    + "): the WAL ends before the backup's start");
        }
        recordRemaining = totalLength;
        crc = null;
        headerLength = copyHeaders((int) Math.min(totalLength, HEADER_BYTES));
        if (openEnded) {
            crc = new CRC32C();
            crc.update(header, RECORD_HEADER, Math.max(0, headerLength - RECORD_HEADER));
        }
        headerAt = RECORD_HEADER;
        int info = header[16] & 0xFF;
        int resourceManager = header[17] & 0xFF;
        long dataTotal = 0;
        long mainLength = 0;
        long tablespace = -1;
        long database = -1;
        long relfilenode = -1;
        while (totalLength - headerAt > dataTotal) {
            int id = h8(start);
            if (id == XLR_BLOCK_ID_DATA_SHORT) {
                mainLength = h8(start);
                dataTotal += mainLength;
                break;
            } else if (id == XLR_BLOCK_ID_DATA_LONG) {
                mainLength = h32(start);
                dataTotal += mainLength;
                break;
            } else if (id == XLR_BLOCK_ID_ORIGIN) {
                headerAt += 2;
            } else if (id == XLR_BLOCK_ID_TOPLEVEL_XID) {
                headerAt += 4;
            } else if (id <= XLR_MAX_BLOCK_ID) {
                int forkFlags = h8(start);
                dataTotal += h16(start);
                if ((forkFlags & BKPBLOCK_HAS_IMAGE) != 0) {
                    dataTotal += h16(start);
                    headerAt += 2;
                    int imageInfo = h8(start);
                    if ((imageInfo & BKPIMAGE_COMPRESSED) != 0 && (imageInfo & BKPIMAGE_HAS_HOLE) != 0) {
                        headerAt += 2;
                    }
                }
                if ((forkFlags & BKPBLOCK_SAME_REL) == 0) {
                    tablespace = h32(start);
                    database = h32(start);
                    relfilenode = h32(start);
                } else if (relfilenode < 0) {
                    throw new IOException("WAL record at " + new Lsn(start) + " refers to the previous block's "
                            + "relation, but has none");
                }
                long block = h32(start);
                if (reported) {
                    visitor.block(tablespace, database, relfilenode, forkFlags & BKPBLOCK_FORK_MASK, block);
                }
            } else {
                throw new IOException("WAL record at " + new Lsn(start) + " has an invalid block id " + id);
            }
        }
        if (headerAt > headerLength || totalLength - headerAt != dataTotal) {
            throw new IOException("WAL record at " + new Lsn(start) + " has headers for " + dataTotal
                    + " bytes of data, but " + (totalLength - headerAt) + " bytes follow them");
        }
        headersIn = segmentsFed;
        if (reported && visitor.wantsMainData(resourceManager, info)) {
            visitor.mainData(resourceManager, info, mainData(totalLength, (int) mainLength));
        }
        try {
            skip(recordRemaining);
        } catch (FeedEnded e) {
            e.headersRead = true;
            throw e;
        }
        if (crc != null) {
            checkCrc(start);
        }
        return resourceManager == RM_XLOG_ID && (info & XLR_RMGR_INFO_MASK) == XLOG_SWITCH;
    }

    /** xl_crc covers the record's bytes after its header, then the header up to xl_crc itself. */
    private void checkCrc(long start) throws IOException {
        crc.update(header, 0, RECORD_HEADER - 4);
        int stored = littleEndianInt(header, RECORD_HEADER - 4);
        if ((int) crc.getValue() != stored) {
            throw new IOException("WAL record at " + new Lsn(start) + " fails its CRC");
        }
    }

    /**
     * Copies the record's first length bytes into header and returns how many it holds: all of
     * them, or for an open-ended reader those before the feed's end (take() then fails if the
     * headers need more).
     */
    private int copyHeaders(int length) throws IOException {
        int copied = 0;
        while (copied < length) {
            int step = Math.min(length - copied, PAGE_SIZE - offset % PAGE_SIZE);
            try {
                copyOut(header, copied, step);
            } catch (FeedEnded e) {
                if (!openEnded) {
                    throw e;
                }
                return copied;
            }
            copied += step;
        }
        return copied;
    }

    /** The record's last length bytes: from the copied header where they are in it, else from the pages. */
    private byte[] mainData(long totalLength, int length) throws IOException {
        byte[] data = new byte[length];
        long at = totalLength - length;
        int copied = (int) Math.max(0, Math.min(length, headerLength - at));
        if (copied > 0) {
            System.arraycopy(header, (int) at, data, 0, copied);
        }
        if (copied < length) {
            skip(Math.max(0, at - headerLength));
            copyOut(data, copied, length - copied);
        }
        return data;
    }

    private int h8(long start) throws IOException {
        take(1, start);
        return header[headerAt++] & 0xFF;
    }

    private int h16(long start) throws IOException {
        take(2, start);
        int value = (header[headerAt] & 0xFF) | (header[headerAt + 1] & 0xFF) << 8;
        headerAt += 2;
        return value;
    }

    private long h32(long start) throws IOException {
        take(4, start);
        long value = Integer.toUnsignedLong(littleEndianInt(header, headerAt));
        headerAt += 4;
        return value;
    }

    /** Fails unless the copied headers hold n more bytes. */
    private void take(int n, long start) throws IOException {
        if (headerAt + n > headerLength) {
            throw new IOException("WAL record at " + new Lsn(start) + " is shorter than its headers say");
        }
    }

    /** Copies the record's next n bytes into target, over page and segment boundaries. */
    private void copyOut(byte[] target, int at, int n) throws IOException {
        if (n > recordRemaining) {
            throw new IOException("WAL record at " + new Lsn(segmentStart + offset) + " is shorter than its headers say");
        }
        while (n > 0) {
            atData();
            int step = Math.min(n, PAGE_SIZE - offset % PAGE_SIZE);
            System.arraycopy(segment, offset, target, at, step);
            if (crc != null) {
                crc.update(segment, offset, step);
            }
            offset += step;
            at += step;
            recordRemaining -= step;
            n -= step;
        }
    }

    /** Moves past a page boundary (into the next segment at its end), checking the page header. */
    private void enterPage() throws IOException {
        if (offset == segment.length && !nextSegment()) {
            throw new FeedEnded("the WAL ends at " + new Lsn(segmentStart + offset) + ", inside a record");
        }
        int info = pageHeader();
        boolean continued = (info & XLP_FIRST_IS_CONTRECORD) != 0;
        if (!continued && recordRemaining > 0 && (info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) != 0) {
            offset += (info & XLP_LONG_HEADER) != 0 ? LONG_PAGE_HEADER : SHORT_PAGE_HEADER;
            recordRemaining = 0;
            throw new AbandonedRecord();
        }
        if (continued != recordRemaining > 0 || continued && remLen() != recordRemaining) {
            throw new IOException("WAL page " + new Lsn(segmentStart + offset) + (continued
                    ? " continues a record by " + remLen() + " bytes, but " + recordRemaining + " were due"
                    : " does not continue the record before it"));
        }
        offset += (info & XLP_LONG_HEADER) != 0 ? LONG_PAGE_HEADER : SHORT_PAGE_HEADER;
    }

    /** Checks the header of the page at offset and returns its xlp_info. */
    private int pageHeader() throws IOException {
        long address = segmentStart + offset;
        int pageMagic = (segment[offset] & 0xFF) | (segment[offset + 1] & 0xFF) << 8;
        if (magic == 0 && MAGICS.contains(pageMagic)) {
            magic = pageMagic;
        }
        if (pageMagic != magic) {
            throw new IOException(String.format("WAL page %s has magic 0x%04X: not a page of PostgreSQL 15 to 17, "
                    + "or not the version of the pages before it", new Lsn(address), pageMagic));
        }
        long pageAddress = littleEndianLong(segment, offset + 8);
        if (pageAddress != address) {
            throw new IOException("WAL page " + new Lsn(address) + " says it is " + new Lsn(pageAddress)
                    + ": a recycled or misplaced segment");
        }
        int info = (segment[offset + 2] & 0xFF) | (segment[offset + 3] & 0xFF) << 8;
        if (((info & XLP_LONG_HEADER) != 0) != (offset == 0)) {
            throw new IOException("WAL page " + new Lsn(address) + " has the wrong kind of page header");
        }
        return info;
    }

    private long remLen() {
        return Integer.toUnsignedLong(littleEndianInt(segment, offset + 16));
    }

    /** Moves n bytes on within the current record, over page and segment boundaries. */
    private void skip(long n) throws IOException {
        if (n > recordRemaining) {
            throw new IOException("WAL record at " + new Lsn(segmentStart + offset) + " is shorter than its headers say");
        }
        while (n > 0) {
            atData();
            int step = (int) Math.min(n, PAGE_SIZE - offset % PAGE_SIZE);
            if (crc != null) {
                crc.update(segment, offset, step);
            }
            offset += step;
            recordRemaining -= step;
            n -= step;
        }
    }

    private void atData() throws IOException {
        if (recordRemaining <= 0) {
            throw new IOException("WAL record at " + new Lsn(segmentStart + offset) + " is shorter than its headers say");
        }
        if (offset == segment.length || offset % PAGE_SIZE == 0) {
            enterPage();
        }
    }

    private static int littleEndianInt(byte[] bytes, int at) {
        return (bytes[at] & 0xFF) | (bytes[at + 1] & 0xFF) << 8 | (bytes[at + 2] & 0xFF) << 16
                | (bytes[at + 3] & 0xFF) << 24;
    }

    private static long littleEndianLong(byte[] bytes, int at) {
        return Integer.toUnsignedLong(littleEndianInt(bytes, at)) | (long) littleEndianInt(bytes, at + 4) << 32;
    }
}
