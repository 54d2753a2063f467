package io.pgbk.core.page;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Properties of the algorithm; PagesOfRealClusterTest proves it equal to PostgreSQL's on real pages. */
class PageChecksumTest {

    @Test
    void ignoresTheStoredChecksumField() {
        byte[] page = TestPages.page(100, 7, 1);
        int checksum = PageChecksum.compute(page, 0, 7);
        page[8] ^= 0x5A;
        page[9] ^= 0x33;
        assertThat(PageChecksum.compute(page, 0, 7)).isEqualTo(checksum);
    }

    @Test
    void changesWithAnyByteOutsideTheChecksumFieldAndWithTheBlockNumber() {
        byte[] page = TestPages.page(100, 7, 2);
        int checksum = PageChecksum.compute(page, 0, 7);
        assertThat(PageChecksum.compute(page, 0, 8)).isNotEqualTo(checksum);
        for (int at : new int[] {0, 10, 11, 24, 4095, 8191}) {
            page[at] ^= 1;
            assertThat(PageChecksum.compute(page, 0, 7)).as("byte %d flipped", at).isNotEqualTo(checksum);
            page[at] ^= 1;
        }
    }

    @Test
    void readsThePageAtItsOffsetAndNeverReturnsZero() {
        byte[] page = TestPages.page(5, 3, 3);
        byte[] shifted = new byte[page.length + 100];
        System.arraycopy(page, 0, shifted, 100, page.length);
        assertThat(PageChecksum.compute(shifted, 100, 3)).isEqualTo(PageChecksum.compute(page, 0, 3));

        Set<Integer> seen = new HashSet<>();
        for (long block = 0; block < 2000; block++) {
            int value = PageChecksum.compute(page, 0, block);
            assertThat(value).isBetween(1, 65535);
            seen.add(value);
        }
        assertThat(seen).hasSizeGreaterThan(1900);
    }
}
