/*
 * The path of timelines that led to a server's current timeline, from its history file: one
 * line per ancestor, "parentTLI <tab> switchpoint <tab> reason", where the switch point is the
 * first WAL position that no longer belongs to that ancestor. The current timeline runs from
 * the last switch point on and has not ended. Timeline 1 has no history file and no ancestors.
 *
 * Timelines are not always consecutive on a path (a promotion on another branch takes a number
 * too), so the successor of a timeline is the next one on this path, not its number plus one.
 */
package io.pgbk.core.wal;

import io.pgbk.error.PgbkException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

public record TimelineHistory(TimelineId current, List<Ended> ancestors) {

    /** An ancestor timeline and the position at which its successor took over. */
    public record Ended(TimelineId timeline, Lsn switchPoint) {
    }

    public TimelineHistory {
        ancestors = List.copyOf(ancestors);
        for (int i = 0; i < ancestors.size(); i++) {
            Ended ended = ancestors.get(i);
            TimelineId next = i + 1 < ancestors.size() ? ancestors.get(i + 1).timeline() : current;
            if (ended.timeline().compareTo(next) >= 0
                    || (i > 0 && ended.switchPoint().compareTo(ancestors.get(i - 1).switchPoint()) < 0)) {
                throw new PgbkException("inconsistent history of timeline " + current + ": timeline "
                        + ended.timeline() + " is out of order");
            }
        }
    }

    /** The history of the first timeline of a cluster: no ancestors. */
    public static TimelineHistory ofFirst() {
        return new TimelineHistory(TimelineId.FIRST, List.of());
    }

    /** Parses the content of the history file of timeline current. */
    public static TimelineHistory parse(TimelineId current, String content) {
        List<Ended> ancestors = new ArrayList<>();
        for (String line : content.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+", 3);
            try {
                if (fields.length < 2) {
                    throw new IllegalArgumentException("missing field");
                }
                ancestors.add(new Ended(new TimelineId(Long.parseLong(fields[0])), Lsn.parse(fields[1])));
            } catch (IllegalArgumentException | PgbkException e) {
                throw new PgbkException("invalid line in the history file of timeline " + current + ": '" + trimmed + "'");
            }
        }
        return new TimelineHistory(current, ancestors);
    }

    /** Whether the timeline is on this path (an ancestor or the current one). */
    public boolean contains(TimelineId timeline) {
        return current.equals(timeline) || ancestors.stream().anyMatch(e -> e.timeline().equals(timeline));
    }

    /** Where the timeline ended on this path; empty for the current one (and for timelines not on it). */
    public Optional<Lsn> switchPoint(TimelineId timeline) {
        return ancestors.stream().filter(e -> e.timeline().equals(timeline)).map(Ended::switchPoint).findFirst();
    }

    /** The timeline that took over from the given ancestor at its switch point. */
    public TimelineId successor(TimelineId ancestor) {
        for (int i = 0; i < ancestors.size(); i++) {
            if (ancestors.get(i).timeline().equals(ancestor)) {
                return i + 1 < ancestors.size() ? ancestors.get(i + 1).timeline() : current;
            }
        }
        throw new IllegalArgumentException("timeline " + ancestor + " is not an ancestor of " + current);
    }

    /** The timeline that wrote the WAL at position on this path (tliOfPointInHistory). */
    public TimelineId timelineAt(Lsn position) {
        for (Ended ended : ancestors) {
            if (position.compareTo(ended.switchPoint()) < 0) {
                return ended.timeline();
            }
        }
        return current;
    }
}
