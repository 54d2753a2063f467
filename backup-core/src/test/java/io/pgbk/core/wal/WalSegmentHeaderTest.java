package io.pgbk.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class WalSegmentHeaderTest {

    private static final WalSegmentSize MIB_1 = WalSegmentSize.ofBytes(1024 * 1024);
    private static final WalSegmentName SEGMENT = WalSegmentName.parse("000000030000000500000A1C");
    private static final long SYSTEM = 7_312_345_678_901_234_567L;
    private static final SyntheticSegment VALID = SyntheticSegment.of(SYSTEM, SEGMENT, MIB_1);

    @Test
    void readsTheLongHeaderOfASegment() {
        WalSegmentHeader header = parse(VALID);
        assertThat(header.pgMajorVersion()).isEqualTo(15);
        assertThat(header.pageTimeline()).isEqualTo(new TimelineId(3));
        assertThat(header.pageAddress()).isEqualTo(Lsn.parse("5/A1C00000"));
        assertThat(header.systemIdentifier()).isEqualTo(new SystemIdentifier(SYSTEM));
        assertThat(header.segmentSize()).isEqualTo(MIB_1);
        assertThat(header.walBlockSize()).isEqualTo(8192);
    }

    @Test
    void tellsTheMajorVersionFromThePageMagic() {
        assertThat(parse(VALID.withMagic(0xD106)).pgMajorVersion()).isEqualTo(13);
        assertThat(parse(VALID.withMagic(0xD10D)).pgMajorVersion()).isEqualTo(14);
        assertThat(parse(VALID.withMagic(0xD113)).pgMajorVersion()).isEqualTo(16);
        assertThat(parse(VALID.withMagic(0xD116)).pgMajorVersion()).isEqualTo(17);
        assertThat(parse(VALID.withMagic(0xD118)).pgMajorVersion()).isEqualTo(18);
        assertThatThrownBy(() -> parse(VALID.withMagic(0xD101))).isInstanceOf(PgbkException.class)
                .hasMessage("the file has WAL page magic 0xD101, which no PostgreSQL version pgbk knows (13 to 18) writes");
    }

    @Test
    void keepsSystemIdentifiersAboveTheSignedRange() {
        SystemIdentifier big = SystemIdentifier.parse("18446744073709551615");
        assertThat(parse(VALID.withSystemIdentifier(big.value())).systemIdentifier()).hasToString("18446744073709551615");
        assertThatThrownBy(() -> SystemIdentifier.parse("-1")).isInstanceOf(PgbkException.class);
    }

    @Test
    void refusesWhatIsNotTheStartOfASegment() {
        assertThatThrownBy(() -> WalSegmentHeader.parse(ByteBuffer.allocate(WalSegmentHeader.SIZE), "the file"))
                .isInstanceOf(PgbkException.class).hasMessage("the file has no WAL page header (it starts with zeros)");
        assertThatThrownBy(() -> parse(VALID.withInfo(0x0001))).isInstanceOf(PgbkException.class)
                .hasMessage("the file does not start with a long WAL page header (xlp_info 0x0001): "
                        + "not the beginning of a segment");
        assertThatThrownBy(() -> parse(VALID.withInfo(0x0012))).isInstanceOf(PgbkException.class)
                .hasMessageContaining("xlp_info 0x0012");
        assertThatThrownBy(() -> parse(VALID.withSegmentSize(12345))).isInstanceOf(PgbkException.class)
                .hasMessage("the file has an invalid segment size in its header: 12345 bytes");
        assertThatThrownBy(() -> WalSegmentHeader.parse(ByteBuffer.wrap(VALID.header(), 0, 39), "the file"))
                .isInstanceOf(PgbkException.class).hasMessage("the file is too short for a WAL page header (39 bytes)");
    }

    private static WalSegmentHeader parse(SyntheticSegment segment) {
        return WalSegmentHeader.parse(ByteBuffer.wrap(segment.header()), "the file");
    }
}
