/*
 * The name of a base backup: the UTC second it started, "20261129T021500Z", so that ids sort by
 * time as text (in a listing of backups/ as well as here) and say when the backup was taken. The
 * type is not part of the id: it is in the manifest, and an id stays valid whatever a later
 * version adds to backups. One backup per cluster runs at a time (the backup lock), so a second
 * clash only happens when a backup starts within the second another ended: the engine then takes
 * the next second (next()).
 */
package io.pgbk.core.manifest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.pgbk.error.PgbkException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

public record BackupId(String value) implements Comparable<BackupId> {

    private static final Pattern FORMAT = Pattern.compile("\\d{8}T\\d{6}Z");
    private static final DateTimeFormatter TEXT = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    public BackupId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new PgbkException("invalid backup id '" + value + "': expected a UTC time like 20261129T021500Z");
        }
        try {
            TEXT.parse(value);
        } catch (DateTimeParseException e) {
            throw new PgbkException("invalid backup id '" + value + "': not a valid date and time");
        }
    }

    @JsonCreator
    public static BackupId parse(String text) {
        return new BackupId(text);
    }

    public static BackupId at(Instant time) {
        return new BackupId(TEXT.format(time.truncatedTo(ChronoUnit.SECONDS)));
    }

    public Instant time() {
        return Instant.from(TEXT.parse(value));
    }

    /** The id one second later, for a backup that would otherwise take an id in use. */
    public BackupId next() {
        return at(time().plusSeconds(1));
    }

    @Override
    public int compareTo(BackupId other) {
        return value.compareTo(other.value);
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }
}
