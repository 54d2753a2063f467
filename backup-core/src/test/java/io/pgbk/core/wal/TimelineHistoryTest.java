package io.pgbk.core.wal;

import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimelineHistoryTest {

    private static final TimelineId ONE = new TimelineId(1);
    private static final TimelineId TWO = new TimelineId(2);
    private static final TimelineId FOUR = new TimelineId(4);

    /** Timeline 4 came from 2, which came from 1; timeline 3 was another branch. */
    private final TimelineHistory history = TimelineHistory.parse(FOUR, """
            1\t0/3000158\tno recovery target specified

            2\t0/5000000\tat restore point "before upgrade"
            """);

    @Test
    void knowsThePathAndItsSwitchPoints() {
        assertThat(history.contains(ONE)).isTrue();
        assertThat(history.contains(new TimelineId(3))).isFalse();
        assertThat(history.contains(FOUR)).isTrue();
        assertThat(history.switchPoint(ONE)).contains(Lsn.parse("0/3000158"));
        assertThat(history.switchPoint(FOUR)).isEmpty();
        assertThat(history.successor(ONE)).isEqualTo(TWO);
        assertThat(history.successor(TWO)).isEqualTo(FOUR);
    }

    @Test
    void findsTheTimelineOfAPosition() {
        assertThat(history.timelineAt(Lsn.parse("0/3000157"))).isEqualTo(ONE);
        assertThat(history.timelineAt(Lsn.parse("0/3000158"))).isEqualTo(TWO);
        assertThat(history.timelineAt(Lsn.parse("0/5000000"))).isEqualTo(FOUR);
        assertThat(TimelineHistory.ofFirst().timelineAt(Lsn.parse("5/0"))).isEqualTo(ONE);
    }

    @Test
    void refusesBrokenFiles() {
        assertThatThrownBy(() -> TimelineHistory.parse(TWO, "1\tnot-an-lsn\n")).isInstanceOf(PgbkException.class)
                .hasMessageContaining("not-an-lsn");
        assertThatThrownBy(() -> TimelineHistory.parse(TWO, "3\t0/100\n")).isInstanceOf(PgbkException.class)
                .hasMessageContaining("out of order");
    }
}
