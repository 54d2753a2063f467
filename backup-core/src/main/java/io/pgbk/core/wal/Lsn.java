/*
 * A log sequence number: a byte position in the WAL stream, unsigned 64 bits, written by
 * PostgreSQL as two hex halves ("16/B374D848"). Comparison is unsigned, and the segment
 * arithmetic takes the cluster's segment size because a segment number means nothing without it.
 */
package io.pgbk.core.wal;

import io.pgbk.error.PgbkException;
import java.util.regex.Pattern;

public record Lsn(long value) implements Comparable<Lsn> {

    /** InvalidXLogRecPtr: PostgreSQL's "no position" (and what pg_lsn '0/0' means). */
    public static final Lsn INVALID = new Lsn(0);
    private static final Pattern TEXT = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    public static Lsn parse(String text) {
        if (text == null || !TEXT.matcher(text).matches()) {
            throw new PgbkException("invalid LSN '" + text + "': expected two hex numbers like 16/B374D848");
        }
        int slash = text.indexOf('/');
        long high = Long.parseLong(text.substring(0, slash), 16);
        long low = Long.parseLong(text.substring(slash + 1), 16);
        return new Lsn(high << 32 | low);
    }

    public boolean isValid() {
        return value != 0;
    }

    public Lsn plus(long bytes) {
        return new Lsn(value + bytes);
    }

    /** The number of bytes from other to this position (negative when other is ahead). */
    public long minus(Lsn other) {
        return value - other.value;
    }

    /** XLByteToSeg: the number of the segment holding this byte. */
    public long segmentNumber(WalSegmentSize size) {
        return Long.divideUnsigned(value, size.bytes());
    }

    /** XLogSegmentOffset: where this byte lies within its segment. */
    public long segmentOffset(WalSegmentSize size) {
        return Long.remainderUnsigned(value, size.bytes());
    }

    /** The first byte of the segment holding this position. */
    public Lsn segmentStart(WalSegmentSize size) {
        return new Lsn(value - segmentOffset(size));
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    /** PostgreSQL's own notation, as pg_lsn prints it: "%X/%X". */
    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFF_FFFFL);
    }
}
