/*
 * How much WAL the spool may hold that is not in the repository yet (the setting spool-max).
 * When the repository stops taking WAL the spool is where it piles up; past this limit the
 * receiver stops receiving, so that the primary (through the slot) keeps the WAL instead of the
 * backup server's disk filling up. Written with a unit as people do: 512MB, 1GB, 1.5GiB; units
 * are powers of 1024 either way (kB, MB, GB, TB as in postgresql.conf), a bare number is bytes.
 */
package io.pgbk.receiver.spool;

import io.pgbk.error.PgbkException;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record SpoolLimit(long bytes) {

    public static final SpoolLimit DEFAULT = new SpoolLimit(1L << 30);

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");
    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("", 1L), Map.entry("b", 1L),
            Map.entry("k", 1L << 10), Map.entry("kb", 1L << 10), Map.entry("kib", 1L << 10),
            Map.entry("m", 1L << 20), Map.entry("mb", 1L << 20), Map.entry("mib", 1L << 20),
            Map.entry("g", 1L << 30), Map.entry("gb", 1L << 30), Map.entry("gib", 1L << 30),
            Map.entry("t", 1L << 40), Map.entry("tb", 1L << 40), Map.entry("tib", 1L << 40));

    public SpoolLimit {
        if (bytes <= 0) {
            throw new PgbkException("the spool limit must be positive, not " + bytes + " bytes");
        }
    }

    public static SpoolLimit parse(String text) {
        Matcher matcher = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        Long unit = matcher.matches() ? UNITS.get(matcher.group(2)) : null;
        if (unit == null) {
            throw new PgbkException("'" + text + "' is not a size (expected e.g. 1GB, 512MB, 1048576)");
        }
        try {
            return new SpoolLimit(new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(unit)).longValueExact());
        } catch (ArithmeticException e) {
            throw new PgbkException("'" + text + "' is not a whole number of bytes or is too large");
        }
    }

    /** True when backlog bytes of WAL not yet stored reach the limit. */
    public boolean reachedBy(long backlog) {
        return backlog >= bytes;
    }

    /** True when backlog has drained far enough (to half the limit) to receive again without stopping at once. */
    public boolean roomFor(long backlog) {
        return backlog <= bytes / 2;
    }

    @Override
    public String toString() {
        for (String unit : new String[] {"TB", "GB", "MB", "kB"}) {
            long factor = UNITS.get(unit.toLowerCase(Locale.ROOT));
            if (bytes % factor == 0) {
                return bytes / factor + unit;
            }
        }
        return bytes + " bytes";
    }
}
