package io.pgbk.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

class LsnTest {

    private static final WalSegmentSize MIB_16 = WalSegmentSize.DEFAULT;
    private static final WalSegmentSize MIB_1 = WalSegmentSize.ofBytes(1024 * 1024);

    @Test
    void parsesAndFormatsPostgresNotation() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(lsn.value()).isEqualTo(0x16_B374D848L);
        assertThat(lsn).hasToString("16/B374D848");
        assertThat(Lsn.parse("0/16B3748")).hasToString("0/16B3748");
        assertThat(Lsn.parse("0/016b3748")).isEqualTo(Lsn.parse("0/16B3748"));
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF").value()).isEqualTo(-1L);
        assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.INVALID);
        assertThat(Lsn.INVALID.isValid()).isFalse();
    }

    @Test
    void refusesMalformedText() {
        for (String bad : new String[] {"", "16", "16/", "/1", "1/2/3", "G/1", "123456789/0", " 1/2", null}) {
            assertThatThrownBy(() -> Lsn.parse(bad)).as(String.valueOf(bad))
                    .isInstanceOf(PgbkException.class).hasMessageContaining("invalid LSN");
        }
    }

    @Test
    void comparesUnsigned() {
        assertThat(Lsn.parse("FFFFFFFF/0")).isGreaterThan(Lsn.parse("7FFFFFFF/FFFFFFFF"));
        assertThat(Lsn.parse("1/0")).isGreaterThan(Lsn.parse("0/FFFFFFFF"));
        assertThat(Lsn.parse("1/10").compareTo(Lsn.parse("1/10"))).isZero();
    }

    @Test
    void addsAndSubtractsAcrossTheHalves() {
        assertThat(Lsn.parse("0/FFFFFFFF").plus(1)).isEqualTo(Lsn.parse("1/0"));
        assertThat(Lsn.parse("1/0").minus(Lsn.parse("0/FFFFFF00"))).isEqualTo(0x100);
        assertThat(Lsn.parse("0/10").minus(Lsn.parse("0/20"))).isEqualTo(-0x10);
    }

    @Test
    void segmentArithmeticDependsOnTheSegmentSize() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(lsn.segmentNumber(MIB_16)).isEqualTo(0x16B3L);
        assertThat(lsn.segmentOffset(MIB_16)).isEqualTo(0x74D848L);
        assertThat(lsn.segmentStart(MIB_16)).isEqualTo(Lsn.parse("16/B3000000"));
        assertThat(lsn.segmentNumber(MIB_1)).isEqualTo(0x16B37L);
        assertThat(lsn.segmentOffset(MIB_1)).isEqualTo(0x4D848L);
        assertThat(lsn.segmentStart(MIB_1)).isEqualTo(Lsn.parse("16/B3700000"));
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF").segmentNumber(MIB_16)).isEqualTo(0xFF_FFFF_FFFFL);
    }
}
