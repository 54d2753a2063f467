/*
 * The name of a WAL segment file: 24 upper-case hex digits, the timeline, then the segment
 * number split into a "log id" and a segment within it (XLogFileName). How a segment number
 * splits depends on the segment size: with 16 MiB segments a log id holds 0x100 segments, with
 * 1 MiB segments 0x1000. A name therefore only maps to an LSN given the cluster's segment size.
 */
package io.pgbk.core.wal;

import io.pgbk.error.PgbkException;
import java.util.regex.Pattern;

public record WalSegmentName(TimelineId timeline, long logId, long segmentInLog) {

    private static final Pattern NAME = Pattern.compile("[0-9A-F]{24}");
    private static final long UINT32_MAX = 0xFFFF_FFFFL;

    public WalSegmentName {
        if (logId < 0 || logId > UINT32_MAX || segmentInLog < 0 || segmentInLog > UINT32_MAX) {
            throw new PgbkException("invalid WAL segment position " + logId + "/" + segmentInLog);
        }
    }

    public static WalSegmentName parse(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new PgbkException("invalid WAL segment name '" + name + "': expected 24 upper-case hex digits");
        }
        return new WalSegmentName(TimelineId.parseHex(name.substring(0, 8)),
                Long.parseLong(name.substring(8, 16), 16), Long.parseLong(name.substring(16, 24), 16));
    }

    /** The segment of timeline that holds the byte at lsn. */
    public static WalSegmentName from(TimelineId timeline, Lsn lsn, WalSegmentSize size) {
        return ofSegmentNumber(timeline, lsn.segmentNumber(size), size);
    }

    public static WalSegmentName ofSegmentNumber(TimelineId timeline, long segmentNumber, WalSegmentSize size) {
        return new WalSegmentName(timeline, segmentNumber / size.segmentsPerLogId(),
                segmentNumber % size.segmentsPerLogId());
    }

    /** The absolute segment number (XLogFromFileName); refuses names impossible at this size. */
    public long segmentNumber(WalSegmentSize size) {
        if (segmentInLog >= size.segmentsPerLogId()) {
            throw new PgbkException("WAL segment name " + this + " is not valid for " + size + " segments");
        }
        return logId * size.segmentsPerLogId() + segmentInLog;
    }

    /** The following segment on the same timeline. */
    public WalSegmentName next(WalSegmentSize size) {
        return ofSegmentNumber(timeline, segmentNumber(size) + 1, size);
    }

    /** The LSN of the segment's first byte. */
    public Lsn startLsn(WalSegmentSize size) {
        return new Lsn(segmentNumber(size) * size.bytes());
    }

    /** The first 16 hex digits (timeline and log id): groups segments into directories of a bounded size. */
    public String logDirectory() {
        return toString().substring(0, 16);
    }

    @Override
    public String toString() {
        return String.format("%s%08X%08X", timeline.toHex(), logId, segmentInLog);
    }
}
