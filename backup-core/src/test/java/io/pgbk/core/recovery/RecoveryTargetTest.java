package io.pgbk.core.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecoveryTargetTest {

    private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-29T12:30:00Z"), ZoneOffset.UTC);

    private static RecoveryTarget parse(String time, String lsn, String xid, String name, String target) {
        return RecoveryTarget.fromOptions(Optional.ofNullable(time), Optional.ofNullable(lsn), Optional.ofNullable(xid),
                Optional.ofNullable(name), Optional.ofNullable(target), NOW);
    }

    @Test
    void noTargetMeansTheEndOfWal() {
        assertThat(parse(null, null, null, null, null)).isEqualTo(new RecoveryTarget.EndOfWal());
        assertThat(new RecoveryTarget.EndOfWal().settings()).isEmpty();
    }

    @Test
    void timesWithAZoneInIsoAndPostgresFormsAreTheSameInstant() {
        Instant noon = Instant.parse("2026-11-29T12:00:00Z");
        for (String text : new String[] {"2026-11-29T12:00:00Z", "2026-11-29 12:00:00+00", "2026-11-29 13:00:00+01",
                "2026-11-29T13:00:00+01:00", "2026-11-29 17:30:00+0530", "2026-11-29T13:00:00+01:00[Europe/Paris]",
                "2026-11-29 12:00:00.000000+00", "2026-11-29T13:00[Europe/Paris]"}) {
            assertThat(TargetTime.parse(text, NOW).instant()).as(text).isEqualTo(noon);
        }
        assertThat(TargetTime.parse("2026-11-29 12:00:00.123456789+00", NOW).toPostgres())
                .isEqualTo("2026-11-29 12:00:00.123456+00");
    }

    @Test
    void aTimeBecomesRecoveryTargetTimeInUtcWithMicroseconds() {
        RecoveryTarget target = parse("2026-11-29 13:00:00.25+01", null, null, null, null);
        assertThat(target.settings()).isEqualTo(Map.of("recovery_target_time", "2026-11-29 12:00:00.250000+00"));
    }

    @Test
    void aTimeWithoutZoneIsRefusedWithAHint() {
        assertThatThrownBy(() -> parse("2026-11-29 12:00:00", null, null, null, null))
                .isInstanceOf(PgbkException.class)
                .hasMessage("target time '2026-11-29 12:00:00' has no time zone: add one, e.g. 2026-11-29 12:00:00+00");
    }

    @Test
    void anUnparseableTimeIsRefused() {
        assertThatThrownBy(() -> parse("yesterday noon", null, null, null, null))
                .isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("invalid target time 'yesterday noon': expected ISO 8601");
        assertThatThrownBy(() -> parse("2026-13-45 12:00:00+00", null, null, null, null))
                .isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("invalid target time '2026-13-45 12:00:00+00'");
    }

    @Test
    void aTimeInTheFutureIsRefused() {
        assertThatThrownBy(() -> parse("2026-11-29 12:30:01+00", null, null, null, null))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("is in the future");
    }

    @Test
    void twoTargetsAreRefusedNamingBoth() {
        assertThatThrownBy(() -> parse("2026-11-29 12:00:00+00", "0/3000000", null, null, null))
                .isInstanceOf(PgbkException.class)
                .hasMessage("choose one recovery target, not --target-time and --target-lsn");
    }

    @Test
    void lsnXidNameAndImmediateBecomeTheirSettings() {
        assertThat(parse(null, "0/3000028", null, null, null).settings())
                .isEqualTo(Map.of("recovery_target_lsn", "0/3000028"));
        assertThat(parse(null, null, "742", null, null).settings()).isEqualTo(Map.of("recovery_target_xid", "742"));
        assertThat(parse(null, null, null, "before upgrade", null).settings())
                .isEqualTo(Map.of("recovery_target_name", "before upgrade"));
        assertThat(parse(null, null, null, null, "immediate").settings())
                .isEqualTo(Map.of("recovery_target", "immediate"));
    }

    @Test
    void badValuesAreRefused() {
        assertThatThrownBy(() -> parse(null, "0/zz", null, null, null)).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("invalid LSN '0/zz'");
        assertThatThrownBy(() -> parse(null, null, "-4", null, null)).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("invalid transaction id '-4'");
        assertThatThrownBy(() -> parse(null, null, "2", null, null)).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("invalid transaction id 2");
        assertThatThrownBy(() -> parse(null, null, null, "x".repeat(64), null)).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("invalid restore point name");
        assertThatThrownBy(() -> parse(null, null, null, null, "latest")).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("invalid --target 'latest': the only value is 'immediate'");
        assertThatThrownBy(() -> TargetTimeline.parse("newest")).isInstanceOf(PgbkException.class)
                .hasMessage("invalid target timeline 'newest': expected latest, current or a number");
        assertThatThrownBy(() -> TargetAction.parse("stop")).isInstanceOf(PgbkException.class)
                .hasMessage("invalid target action 'stop': expected promote, pause or shutdown");
    }

    @Test
    void planSettingsCarryEdgeTimelineAndAction() {
        RecoveryPlan plan = new RecoveryPlan(parse(null, null, "742", null, null), true, TargetTimeline.parse("2"),
                TargetAction.PAUSE);
        assertThat(plan.settings()).containsExactly(Map.entry("recovery_target_xid", "742"),
                Map.entry("recovery_target_inclusive", "off"), Map.entry("recovery_target_timeline", "2"),
                Map.entry("recovery_target_action", "pause"));
        assertThat(RecoveryPlan.toEndOfWal().settings()).containsExactly(Map.entry("recovery_target_timeline", "latest"));
    }

    @Test
    void exclusiveIsRefusedWhereItMeansNothing() {
        assertThatThrownBy(() -> new RecoveryPlan(new RecoveryTarget.Immediate(), true, TargetTimeline.LATEST,
                TargetAction.PROMOTE))
                .isInstanceOf(PgbkException.class)
                .hasMessage("--target-exclusive applies to a time, LSN or transaction target, not to the end of the "
                        + "backup (immediate)");
    }
}
