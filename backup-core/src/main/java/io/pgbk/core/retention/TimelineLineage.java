/*
 * The timelines a timeline descends from, read from its history file (wal/<tli>.history): each
 * line of PostgreSQL's history file names one ancestor and the LSN where the next timeline
 * branched off it. WAL on an ancestor timeline is part of a descendant's past only up to the
 * switch point, but retention only asks whether a timeline is on the line at all: deleting less
 * is the safe side. A timeline whose history file is missing has no known ancestors.
 */
package io.pgbk.core.retention;

import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import java.util.LinkedHashSet;
import java.util.Set;

public record TimelineLineage(TimelineId timeline, Set<TimelineId> ancestors) {

    public TimelineLineage {
        ancestors = Set.copyOf(ancestors);
    }

    public static TimelineLineage withoutHistory(TimelineId timeline) {
        return new TimelineLineage(timeline, Set.of());
    }

    /** Parses the content of timeline's history file; name is for messages. */
    public static TimelineLineage parse(TimelineId timeline, String historyFile, String name) {
        Set<TimelineId> ancestors = new LinkedHashSet<>();
        for (String line : historyFile.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String first = trimmed.split("\\s+", 2)[0];
            try {
                ancestors.add(new TimelineId(Long.parseLong(first)));
            } catch (NumberFormatException e) {
                throw new PgbkException("timeline history file " + name + " is not valid: line '" + trimmed + "'");
            }
        }
        return new TimelineLineage(timeline, ancestors);
    }

    /** True when WAL of other is this timeline's own or that of one it descends from. */
    public boolean includes(TimelineId other) {
        return timeline.equals(other) || ancestors.contains(other);
    }
}
