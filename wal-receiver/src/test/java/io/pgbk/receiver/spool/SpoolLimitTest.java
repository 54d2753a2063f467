package io.pgbk.receiver.spool;

import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpoolLimitTest {

    @Test
    void parsesSizesWithUnitsOf1024() {
        assertThat(SpoolLimit.parse("1GB").bytes()).isEqualTo(1L << 30);
        assertThat(SpoolLimit.parse("512MB").bytes()).isEqualTo(512L << 20);
        assertThat(SpoolLimit.parse("1.5 GiB").bytes()).isEqualTo(3L << 29);
        assertThat(SpoolLimit.parse("64kB").bytes()).isEqualTo(64L << 10);
        assertThat(SpoolLimit.parse("1048576").bytes()).isEqualTo(1L << 20);
    }

    @Test
    void printsWhatItParses() {
        assertThat(SpoolLimit.parse("1GB")).hasToString("1GB");
        assertThat(SpoolLimit.parse("3MB")).hasToString("3MB");
        assertThat(SpoolLimit.parse("1000")).hasToString("1000 bytes");
    }

    @Test
    void refusesWhatIsNotASize() {
        assertThatThrownBy(() -> SpoolLimit.parse("1 parsec")).isInstanceOf(PgbkException.class).hasMessageContaining("not a size");
        assertThatThrownBy(() -> SpoolLimit.parse("0")).isInstanceOf(PgbkException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> SpoolLimit.parse("0.3")).isInstanceOf(PgbkException.class).hasMessageContaining("whole number");
    }

    @Test
    void stopsAtTheLimitAndResumesBelowHalf() {
        SpoolLimit limit = new SpoolLimit(100);
        assertThat(limit.reachedBy(99)).isFalse();
        assertThat(limit.reachedBy(100)).isTrue();
        assertThat(limit.roomFor(51)).isFalse();
        assertThat(limit.roomFor(50)).isTrue();
    }
}
