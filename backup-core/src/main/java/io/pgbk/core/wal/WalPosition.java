/*
 * How far WAL of one timeline reaches: everything of timeline before lsn is held. Positions on
 * different timelines are only comparable through a history (see TimelineHistory).
 */
package io.pgbk.core.wal;


import java.util.Comparator;

public record WalPosition(TimelineId timeline, Lsn lsn) {

    /** Further along first by position, then by the later timeline (which holds the same bytes and more). */
    public static final Comparator<WalPosition> PROGRESS =
            Comparator.comparing(WalPosition::lsn).thenComparing(WalPosition::timeline);

    @Override
    public String toString() {
        return lsn + " on timeline " + timeline;
    }
}
