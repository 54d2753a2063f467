/*
 * A recovery target time: an instant, never a local time. PostgreSQL would read a time without
 * a zone in the server's TimeZone, which on a restore host is often not the zone the user had
 * in mind, so a time must name its offset or zone. Accepted: ISO 8601 (2026-11-29T12:00:00Z,
 * 2026-11-29T13:00:00+01:00, ...[Europe/Paris]) and PostgreSQL's own output
 * (2026-11-29 12:00:00.123456+00), which is what users copy from a query.
 *
 * A time in the future is refused: recovery would replay everything and then fail for not
 * reaching it, which is only learned after the whole restore.
 */
package io.pgbk.core.recovery;

import io.pgbk.error.PgbkException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record TargetTime(Instant instant) {

    /** Date, 'T' or space, time with optional seconds and fraction, optional offset, optional [zone]. */
    private static final Pattern FORM = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2})[T ](\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?)\\s*"
                    + "(Z|z|[+-]\\d{2}(?::?\\d{2})?)?(\\[[^\\]]+\\])?");
    /** ISO's date-time with an offset, a [zone], or both (ISO_DATE_TIME wants the offset before a zone). */
    private static final DateTimeFormatter ISO = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .optionalStart().appendOffsetId().optionalEnd()
            .optionalStart().appendLiteral('[').parseCaseSensitive().appendZoneRegionId().appendLiteral(']').optionalEnd()
            .toFormatter();
    private static final DateTimeFormatter POSTGRES = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS'+00'")
            .withZone(ZoneOffset.UTC);

    public static TargetTime parse(String text, Clock clock) {
        Matcher form = FORM.matcher(text.strip());
        if (!form.matches()) {
            throw new PgbkException("invalid target time '" + text + "': expected ISO 8601 such as "
                    + "2026-11-29T12:00:00Z or PostgreSQL's 2026-11-29 12:00:00+00");
        }
        String offset = form.group(3);
        String zone = form.group(4);
        if (offset == null && zone == null) {
            throw new PgbkException("target time '" + text + "' has no time zone: add one, e.g. "
                    + form.group(1) + " " + form.group(2) + "+00");
        }
        String iso = form.group(1) + "T" + form.group(2) + (offset == null ? "" : isoOffset(offset))
                + (zone == null ? "" : zone);
        Instant instant;
        try {
            instant = ZonedDateTime.parse(iso, ISO).toInstant()
                    .truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeException e) {
            throw new PgbkException("invalid target time '" + text + "': " + e.getMessage());
        }
        if (instant.isAfter(clock.instant())) {
            throw new PgbkException("target time " + text + " is in the future (now: "
                    + OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC) + "): recovery could never reach it");
        }
        return new TargetTime(instant);
    }

    /** "+05" and "+0530" as ISO's "+05:00" and "+05:30". */
    private static String isoOffset(String offset) {
        if (offset.equalsIgnoreCase("z")) {
            return "Z";
        }
        String digits = offset.substring(1).replace(":", "");
        return offset.charAt(0) + digits.substring(0, 2) + ":" + (digits.length() > 2 ? digits.substring(2) : "00");
    }

    /** In UTC with microseconds, PostgreSQL's resolution, so that the server reads exactly this instant. */
    public String toPostgres() {
        return POSTGRES.format(instant);
    }

    @Override
    public String toString() {
        return toPostgres();
    }
}
