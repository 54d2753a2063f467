package io.pgbk.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InstantTextTest {

    @Test
    void readsWhatInstantWritesAsInstantParseDoes() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            // years 1970 to about 2100, and every fraction length Instant.toString gives (0, 3, 6, 9 digits)
            long seconds = (long) (random.nextDouble() * 4_100_000_000L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            String text = Instant.ofEpochSecond(seconds, nanos).toString();
            assertThat(InstantText.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void leavesOtherFormsToInstantParse() {
        for (String text : List.of("2026-11-30T10:00:20.5Z", "2026-02-28T23:59:59.12345Z", "0001-01-01T00:00:00Z",
                "+10000-01-01T00:00:00Z", "2026-11-30T10:00:20+01:00", "1969-12-31T23:59:59.999999999Z",
                // Instant.parse's own allowances: the end of a day, a leap second
                "2026-11-30T24:00:00Z", "2016-12-31T23:59:60Z", "2026-11-30T10:00:20.Z")) {
            assertThat(InstantText.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void refusesWhatInstantParseRefuses() {
        for (String text : List.of("2026-02-30T10:00:20Z", "2026-11-30T25:00:00Z", "2026-11-30T10:60:00Z",
                "2026-11-30T10:00:20.1234567890Z", "2026-1l-30T10:00:20Z",
                "2026-11-30 10:00:20Z", "2026-11-30T10:00:20")) {
            assertThatThrownBy(() -> InstantText.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
        }
    }
}
