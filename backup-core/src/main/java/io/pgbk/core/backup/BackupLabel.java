/*
 * The backup_label a base backup ends with (pg_backup_stop's labelfile, or the first entry of
 * pg_basebackup's tar): kept byte for byte for the restore, and read for where the backup's WAL
 * starts, which a stream-mode backup learns from nothing else before the files arrive.
 */
package io.pgbk.core.backup;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record BackupLabel(String text, Lsn startLsn, TimelineId startTimeline) {

    private static final Pattern START_LOCATION = Pattern.compile("^START WAL LOCATION: ([0-9A-Fa-f]+/[0-9A-Fa-f]+)",
            Pattern.MULTILINE);
    private static final Pattern START_TIMELINE = Pattern.compile("^START TIMELINE: (\\d+)$", Pattern.MULTILINE);

    public static BackupLabel parse(String text) {
        return new BackupLabel(text, Lsn.parse(line(text, START_LOCATION, "START WAL LOCATION")),
                new TimelineId(Long.parseLong(line(text, START_TIMELINE, "START TIMELINE"))));
    }

    private static String line(String text, Pattern pattern, String name) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new PgbkException("the server's backup_label has no " + name + " line");
        }
        return matcher.group(1);
    }
}
