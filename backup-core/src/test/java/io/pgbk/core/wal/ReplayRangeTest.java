package io.pgbk.core.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplayRangeTest {

    private static final TimelineId ONE = TimelineId.FIRST;
    private static final TimelineId TWO = new TimelineId(2);
    private static final TimelineId THREE = new TimelineId(3);
    private static final WalGap ON_ONE = gap(ONE, "0/5000000", ONE, "0/7000000");

    @Test
    void aRangeOverlappingTheGapOnItsTimelineCrossesIt() {
        assertThat(onFirst("0/3000028", Optional.empty()).crosses(ON_ONE)).isTrue();
        assertThat(onFirst("0/6000028", Optional.of(Lsn.parse("0/6100000"))).crosses(ON_ONE)).isTrue();
    }

    @Test
    void aRangeEndingAtTheGapOrStartingAtItsEndDoesNot() {
        assertThat(onFirst("0/3000028", Optional.of(Lsn.parse("0/5000000"))).crosses(ON_ONE)).isFalse();
        assertThat(onFirst("0/7000000", Optional.empty()).crosses(ON_ONE)).isFalse();
    }

    @Test
    void aPathThatLeftTheGapsTimelineBeforeItDoesNotCrossIt() {
        TimelineHistory branchedEarlier = TimelineHistory.parse(TWO, "1\t0/4000000\tpromoted\n");
        assertThat(new ReplayRange(branchedEarlier, Lsn.parse("0/3000028"), Optional.empty()).crosses(ON_ONE))
                .isFalse();
        TimelineHistory branchedInside = TimelineHistory.parse(TWO, "1\t0/6000000\tpromoted\n");
        assertThat(new ReplayRange(branchedInside, Lsn.parse("0/3000028"), Optional.empty()).crosses(ON_ONE))
                .isTrue();
    }

    @Test
    void aGapAcrossAPromotionIsCrossedOnEitherSideOfTheSwitch() {
        WalGap acrossPromotion = gap(ONE, "0/5000000", TWO, "0/9000000");
        TimelineHistory two = TimelineHistory.parse(TWO, "1\t0/6000000\tpromoted\n");
        assertThat(new ReplayRange(two, Lsn.parse("0/8000028"), Optional.empty()).crosses(acrossPromotion)).isTrue();
        TimelineHistory three = TimelineHistory.parse(THREE, "1\t0/3000000\tan older branch\n");
        assertThat(new ReplayRange(three, Lsn.parse("0/3000028"), Optional.empty()).crosses(acrossPromotion)).isFalse();
    }

    @Test
    void aGapNamesItsRangeAndSegments() {
        WalSegmentSize size = WalSegmentSize.ofBytes(16 * 1024 * 1024);
        assertThat(ON_ONE.range()).isEqualTo("0/5000000-0/7000000 on timeline 1");
        assertThat(ON_ONE.segments(size)).isEqualTo("segments 000000010000000000000005 to 000000010000000000000006");
        assertThat(gap(ONE, "0/5000000", TWO, "0/6000000").range())
                .isEqualTo("0/5000000 on timeline 1 to 0/6000000 on timeline 2");
    }

    private static ReplayRange onFirst(String start, Optional<Lsn> end) {
        return new ReplayRange(TimelineHistory.ofFirst(), Lsn.parse(start), end);
    }

    private static WalGap gap(TimelineId fromTimeline, String from, TimelineId toTimeline, String to) {
        return new WalGap(new WalPosition(fromTimeline, Lsn.parse(from)), new WalPosition(toTimeline, Lsn.parse(to)),
                Instant.parse("2026-11-29T10:00:00Z"), "host=pg1", "test");
    }
}
