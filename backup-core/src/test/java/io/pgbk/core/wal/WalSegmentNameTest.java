package io.pgbk.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

class WalSegmentNameTest {

    private static final WalSegmentSize MIB_16 = WalSegmentSize.DEFAULT;
    private static final WalSegmentSize MIB_1 = WalSegmentSize.ofBytes(1024 * 1024);

    @Test
    void mapsAnLsnToTheSegmentHoldingIt() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(WalSegmentName.from(TimelineId.FIRST, lsn, MIB_16)).hasToString("0000000100000016000000B3");
        assertThat(WalSegmentName.from(new TimelineId(10), lsn, MIB_1)).hasToString("0000000A0000001600000B37");
    }

    @Test
    void parsesBackToTheSameSegment() {
        WalSegmentName name = WalSegmentName.parse("0000000A0000001600000B37");
        assertThat(name.timeline()).isEqualTo(new TimelineId(10));
        assertThat(name.logId()).isEqualTo(0x16);
        assertThat(name.segmentInLog()).isEqualTo(0xB37);
        assertThat(name.startLsn(MIB_1)).isEqualTo(Lsn.parse("16/B3700000"));
        assertThat(name.segmentNumber(MIB_1)).isEqualTo(0x16B37L);
        assertThat(name.logDirectory()).isEqualTo("0000000A00000016");
    }

    @Test
    void nextCrossesTheLogIdBoundaryAtEachSize() {
        assertThat(WalSegmentName.parse("0000000100000000000000FE").next(MIB_16)).hasToString("0000000100000000000000FF");
        assertThat(WalSegmentName.parse("0000000100000000000000FF").next(MIB_16)).hasToString("000000010000000100000000");
        assertThat(WalSegmentName.parse("0000000100000000000000FF").next(MIB_1)).hasToString("000000010000000000000100");
        assertThat(WalSegmentName.parse("000000010000000000000FFF").next(MIB_1)).hasToString("000000010000000100000000");
        assertThat(WalSegmentName.parse("000000010000000100000000").startLsn(MIB_16)).isEqualTo(Lsn.parse("1/0"));
        assertThat(WalSegmentName.parse("000000010000000100000000").startLsn(MIB_1)).isEqualTo(Lsn.parse("1/0"));
    }

    @Test
    void aNameIsOnlyValidForSizesWhoseLogIdHoldsItsSegment() {
        WalSegmentName name = WalSegmentName.parse("000000010000000000000100");
        assertThat(name.startLsn(MIB_1)).isEqualTo(Lsn.parse("0/10000000"));
        assertThatThrownBy(() -> name.startLsn(MIB_16)).isInstanceOf(PgbkException.class)
                .hasMessage("WAL segment name 000000010000000000000100 is not valid for 16 MiB segments");
    }

    @Test
    void keepsTheTimelineAcrossSegmentsAndRoundTripsTheLastTimeline() {
        WalSegmentName last = WalSegmentName.parse("FFFFFFFF00000000000000FF");
        assertThat(last.timeline()).isEqualTo(new TimelineId(0xFFFF_FFFFL));
        assertThat(last.next(MIB_16)).hasToString("FFFFFFFF0000000100000000");
        assertThat(WalSegmentName.from(last.timeline(), last.startLsn(MIB_16), MIB_16)).isEqualTo(last);
    }

    @Test
    void refusesMalformedNames() {
        for (String bad : new String[] {"", "00000001000000000000001", "0000000100000000000000010",
                "0000000100000000000000fe", "00000001000000000000000G", "000000000000000000000001", null}) {
            assertThatThrownBy(() -> WalSegmentName.parse(bad)).as(String.valueOf(bad)).isInstanceOf(PgbkException.class);
        }
    }

    @Test
    void timelinesFormatAsHexAndStayWithinUnsigned32Bits() {
        assertThat(TimelineId.parseHex("0000000A")).isEqualTo(new TimelineId(10));
        assertThat(new TimelineId(10).historyFileName()).isEqualTo("0000000A.history");
        assertThat(new TimelineId(10).next()).isEqualTo(new TimelineId(11));
        assertThat(new TimelineId(0xFFFF_FFFFL).toHex()).isEqualTo("FFFFFFFF");
        assertThatThrownBy(() -> new TimelineId(0)).isInstanceOf(PgbkException.class);
        assertThatThrownBy(() -> new TimelineId(0xFFFF_FFFFL).next()).isInstanceOf(PgbkException.class);
        assertThatThrownBy(() -> TimelineId.parseHex("0000000a")).isInstanceOf(PgbkException.class);
    }

    @Test
    void segmentSizesArePowersOfTwoFromOneMibToOneGib() {
        assertThat(WalSegmentSize.ofBytes(1L << 30).segmentsPerLogId()).isEqualTo(4);
        assertThat(MIB_16.segmentsPerLogId()).isEqualTo(0x100);
        assertThat(MIB_1.segmentsPerLogId()).isEqualTo(0x1000);
        assertThat(MIB_1).hasToString("1 MiB");
        for (long bad : new long[] {0, 512 * 1024, 3 * 1024 * 1024, 2L << 30, -1}) {
            assertThatThrownBy(() -> WalSegmentSize.ofBytes(bad)).as(String.valueOf(bad))
                    .isInstanceOf(PgbkException.class).hasMessageContaining("invalid WAL segment size");
        }
    }
}
