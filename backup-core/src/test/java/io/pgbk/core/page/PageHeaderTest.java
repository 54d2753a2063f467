package io.pgbk.core.page;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.wal.Lsn;
import org.junit.jupiter.api.Test;

class PageHeaderTest {

    @Test
    void readsLittleEndianFieldsAndTheLsnAsXlogidAndXrecoff() {
        byte[] page = new byte[PageHeader.PAGE_SIZE + 16];
        int at = 16;
        // pd_lsn = 0x00000002/0x0A0B0C0D stored as two little-endian uint32
        byte[] header = {0x02, 0, 0, 0, 0x0D, 0x0C, 0x0B, 0x0A, (byte) 0xCD, (byte) 0xAB, 0x05, 0,
                0x20, 0, 0x00, 0x1F, 0x00, 0x20};
        System.arraycopy(header, 0, page, at, header.length);

        PageHeader read = PageHeader.read(page, at);

        assertThat(read.lsn()).isEqualTo(Lsn.parse("2/A0B0C0D"));
        assertThat(PageHeader.lsnOf(page, at)).isEqualTo(0x2_0A0B0C0DL);
        assertThat(read.checksum()).isEqualTo(0xABCD);
        assertThat(read.flags()).isEqualTo(5);
        assertThat(read.lower()).isEqualTo(0x20);
        assertThat(read.upper()).isEqualTo(0x1F00);
        assertThat(read.special()).isEqualTo(0x2000);
        assertThat(read.isNew()).isFalse();
    }

    @Test
    void aPageWithUpperZeroIsNewAndOnlyAnAllZeroPageIsAllZero() {
        byte[] zero = new byte[PageHeader.PAGE_SIZE];
        assertThat(PageHeader.read(zero, 0).isNew()).isTrue();
        assertThat(PageHeader.isAllZero(zero, 0)).isTrue();

        zero[PageHeader.PAGE_SIZE - 1] = 1;
        assertThat(PageHeader.read(zero, 0).isNew()).isTrue();
        assertThat(PageHeader.isAllZero(zero, 0)).isFalse();
    }

    @Test
    void lsnIsUnsigned() {
        byte[] page = new byte[PageHeader.PAGE_SIZE];
        java.util.Arrays.fill(page, 0, 8, (byte) 0xFF);
        assertThat(PageHeader.lsnOf(page, 0)).isEqualTo(-1L);
        assertThat(Long.toUnsignedString(PageHeader.lsnOf(page, 0))).isEqualTo("18446744073709551615");
    }
}
