/*
 * A timeline: PostgreSQL starts a new one at every promotion and at the end of every
 * point-in-time recovery, so WAL positions are only comparable within a timeline. It is an
 * unsigned 32-bit number, 1 for a fresh cluster, written as 8 hex digits in file names.
 */
package io.pgbk.core.wal;

import io.pgbk.error.PgbkException;
import java.util.regex.Pattern;

public record TimelineId(long value) implements Comparable<TimelineId> {

    public static final TimelineId FIRST = new TimelineId(1);
    private static final long MAX = 0xFFFF_FFFFL;
    private static final Pattern HEX = Pattern.compile("[0-9A-F]{8}");

    public TimelineId {
        if (value < 1 || value > MAX) {
            throw new PgbkException("invalid timeline " + value + ": expected 1 to " + MAX);
        }
    }

    /** Parses the 8 upper-case hex digits of a file name ("0000000A"). */
    public static TimelineId parseHex(String hex) {
        if (hex == null || !HEX.matcher(hex).matches()) {
            throw new PgbkException("invalid timeline '" + hex + "': expected 8 upper-case hex digits");
        }
        return new TimelineId(Long.parseLong(hex, 16));
    }

    public TimelineId next() {
        return new TimelineId(value + 1);
    }

    public String toHex() {
        return String.format("%08X", value);
    }

    /** The file PostgreSQL writes at the start of this timeline: how it branched from its parents. */
    public String historyFileName() {
        return toHex() + ".history";
    }

    @Override
    public int compareTo(TimelineId other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
