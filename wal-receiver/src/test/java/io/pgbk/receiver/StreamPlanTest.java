package io.pgbk.receiver;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineHistory;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamPlanTest {

    private static final WalSegmentSize MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final TimelineId ONE = new TimelineId(1);
    private static final TimelineId TWO = new TimelineId(2);
    private static final TimelineId THREE = new TimelineId(3);
    /** Timeline 2 took over inside segment 0/500000. */
    private static final TimelineHistory SECOND = TimelineHistory.parse(TWO, "1\t0/5000A0\tpromoted\n");

    private static Optional<WalPosition> held(TimelineId timeline, String lsn) {
        return Optional.of(new WalPosition(timeline, Lsn.parse(lsn)));
    }

    private static StreamPlan choose(Optional<WalPosition> held, TimelineHistory history, String flush) {
        return StreamPlan.choose(held, history, Lsn.parse(flush), Optional.empty(), MIB);
    }

    @Test
    void resumesAtTheSegmentThatIsNotCompleteYet() {
        assertThat(choose(held(ONE, "0/300000"), TimelineHistory.ofFirst(), "0/3456789"))
                .isEqualTo(new StreamPlan(ONE, Lsn.parse("0/300000")));
        assertThat(choose(held(ONE, "0/345678"), TimelineHistory.ofFirst(), "0/3456789"))
                .isEqualTo(new StreamPlan(ONE, Lsn.parse("0/300000")));
    }

    @Test
    void finishesAnOldTimelineBeforeMovingOn() {
        assertThat(choose(held(ONE, "0/400000"), SECOND, "0/900000"))
                .isEqualTo(new StreamPlan(ONE, Lsn.parse("0/400000")));
        assertThat(choose(held(ONE, "0/500000"), SECOND, "0/900000"))
                .isEqualTo(new StreamPlan(ONE, Lsn.parse("0/500000")));
    }

    @Test
    void movesToTheSuccessorFromTheSegmentOfTheSwitchPoint() {
        assertThat(choose(held(ONE, "0/5000A0"), SECOND, "0/900000"))
                .isEqualTo(new StreamPlan(TWO, Lsn.parse("0/500000")));
    }

    @Test
    void leavesWalThatTheNewPrimaryNeverHadOnTheOldTimeline() {
        assertThat(choose(held(ONE, "0/700000"), SECOND, "0/900000"))
                .isEqualTo(new StreamPlan(TWO, Lsn.parse("0/500000")));
    }

    @Test
    void neverAsksForAHistoricTimelineAtItsSwitchPoint() {
        TimelineHistory third = TimelineHistory.parse(THREE, "1\t0/500000\tpromoted\n2\t0/500000\tpromoted again\n");

        assertThat(choose(held(ONE, "0/500000"), third, "0/900000"))
                .isEqualTo(new StreamPlan(THREE, Lsn.parse("0/500000")));
    }

    @Test
    void continuesOnTheCurrentTimeline() {
        assertThat(choose(held(TWO, "0/700000"), SECOND, "0/7FFFFF"))
                .isEqualTo(new StreamPlan(TWO, Lsn.parse("0/700000")));
    }

    @Test
    void withNothingHeldStartsAtTheSlotOrTheServersSegment() {
        assertThat(StreamPlan.choose(Optional.empty(), SECOND, Lsn.parse("0/9ABCDE"), Optional.of(Lsn.parse("0/812345")), MIB))
                .isEqualTo(new StreamPlan(TWO, Lsn.parse("0/800000")));
        assertThat(StreamPlan.choose(Optional.empty(), SECOND, Lsn.parse("0/9ABCDE"), Optional.of(Lsn.INVALID), MIB))
                .isEqualTo(new StreamPlan(TWO, Lsn.parse("0/900000")));
        assertThat(StreamPlan.choose(Optional.empty(), SECOND, Lsn.parse("0/9ABCDE"), Optional.of(Lsn.parse("0/400010")), MIB))
                .isEqualTo(new StreamPlan(ONE, Lsn.parse("0/400000")));
    }

    @Test
    void refusesAServerThatIsBehindOrOnAnotherBranch() {
        assertThatThrownBy(() -> choose(held(TWO, "0/700000"), TimelineHistory.ofFirst(), "0/900000"))
                .isInstanceOf(PgbkException.class).hasMessageContaining("not in the history");
        assertThatThrownBy(() -> choose(held(ONE, "0/900000"), TimelineHistory.ofFirst(), "0/800010"))
                .isInstanceOf(PgbkException.class).hasMessageContaining("behind");
    }

    @Test
    void backoffDoublesUpToItsLimitAndStartsOver() {
        Backoff backoff = Backoff.between(Duration.ofSeconds(1), Duration.ofSeconds(5));

        assertThat(backoff.next().delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.next().next().next().delay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.next().next().reset().delay()).isEqualTo(Duration.ofSeconds(1));
    }
}
