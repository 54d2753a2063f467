/*
 * recovery_target_timeline: 'latest' follows every promotion the archive knows of (the default
 * since PostgreSQL 12, and what a restore after a failover needs), 'current' stays on the
 * backup's timeline, a number names one timeline whose history must lead through the backup.
 */
package io.pgbk.core.recovery;

import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import java.util.Optional;
import java.util.regex.Pattern;

public record TargetTimeline(String setting) {

    public static final TargetTimeline LATEST = new TargetTimeline("latest");
    public static final TargetTimeline CURRENT = new TargetTimeline("current");
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,10}");

    public static TargetTimeline parse(String text) {
        String value = text.strip();
        if (value.equals(LATEST.setting) || value.equals(CURRENT.setting)) {
            return new TargetTimeline(value);
        }
        if (!NUMBER.matcher(value).matches()) {
            throw new PgbkException("invalid target timeline '" + text + "': expected latest, current or a number");
        }
        return new TargetTimeline(new TimelineId(Long.parseLong(value)).toString());
    }

    /** The one timeline recovery ends on: this number, the backup's for current; empty for latest, which follows the archive. */
    public Optional<TimelineId> endTimeline(TimelineId backupTimeline) {
        if (equals(LATEST)) {
            return Optional.empty();
        }
        return Optional.of(equals(CURRENT) ? backupTimeline : new TimelineId(Long.parseLong(setting)));
    }

    @Override
    public String toString() {
        return setting;
    }
}
