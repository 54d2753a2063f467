/*
 * The WAL a recovery replays: from a backup's start along the timeline path it follows (the
 * history of its target timeline) up to an end, or to whatever the archive holds when there is
 * none. A recorded gap stops such a recovery only where both lie on the same timeline at the same
 * position: a path that branched off before the gap began, or a range that ends before it or
 * starts after it, never reads the missing WAL.
 */
package io.pgbk.core.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

public record ReplayRange(TimelineHistory path, Lsn start, Optional<Lsn> end) {

    /**
     * True when some position in both the range and the gap is, on this path, on a timeline the
     * gap covers. The path's timeline only changes at its switch points, so checking where the
     * overlap begins and each switch point inside it is enough.
     */
    public boolean crosses(WalGap gap) {
        Lsn low = max(start, gap.from().lsn());
        Lsn high = end.filter(e -> e.compareTo(gap.to().lsn()) < 0).orElse(gap.to().lsn());
        if (low.compareTo(high) >= 0) {
            return false;
        }
        List<Lsn> changes = new ArrayList<>(List.of(low));
        path.ancestors().stream().map(TimelineHistory.Ended::switchPoint)
                .filter(point -> point.compareTo(low) > 0 && point.compareTo(high) < 0)
                .forEach(changes::add);
        return changes.stream().map(path::timelineAt).anyMatch(timeline ->
                timeline.compareTo(gap.from().timeline()) >= 0 && timeline.compareTo(gap.to().timeline()) <= 0);
    }

    private static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
