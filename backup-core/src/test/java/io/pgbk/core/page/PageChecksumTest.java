package io.pgbk.core.page;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Properties of the algorithm; PagesOfRealClusterTest proves it equal to PostgreSQL's on real pages. */
class PageChecksumTest {
    private final PageChecksum checksum = new PageChecksum();

    @Test
    void ignoresTheStoredChecksumField() {
        byte[] page = TestPages.page(100, 7, 1);
        int expected = checksum.compute(page, 0, 7);
        page[8] ^= 0x5A;
        page[9] ^= 0x33;
        assertThat(checksum.compute(page, 0, 7)).isEqualTo(expected);
    }

    @Test
    void changesWithAnyByteOutsideTheChecksumFieldAndWithTheBlockNumber() {
        byte[] page = TestPages.page(100, 7, 2);
        int expected = checksum.compute(page, 0, 7);
        assertThat(checksum.compute(page, 0, 8)).isNotEqualTo(expected);
        for (int at : new int[] {0, 10, 11, 24, 127, 128, 4095, 8064, 8191}) {
            page[at] ^= 1;
            assertThat(checksum.compute(page, 0, 7)).as("byte %d flipped", at).isNotEqualTo(expected);
            page[at] ^= 1;
        }
    }

    @Test
    void readsThePageAtItsOffsetAlignedOrNotAndNeverReturnsZero() {
        byte[] page = TestPages.page(5, 3, 3);
        int expected = checksum.compute(page, 0, 3);
        for (int offset : new int[] {100, 101, 8195}) {
            byte[] shifted = new byte[offset + page.length + 7];
            System.arraycopy(page, 0, shifted, offset, page.length);
            assertThat(checksum.compute(shifted, offset, 3)).as("offset %d", offset).isEqualTo(expected);
        }

        Set<Integer> seen = new HashSet<>();
        for (long block = 0; block < 2000; block++) {
            int value = checksum.compute(page, 0, block);
            assertThat(value).isBetween(1, 65535);
            seen.add(value);
        }
        assertThat(seen).hasSizeGreaterThan(1900);
    }

    @Test
    void anInstanceReusedForManyPagesGivesWhatAFreshOneGives() {
        byte[] first = TestPages.page(9, 1, 4);
        byte[] second = TestPages.page(9, 2, 5);
        int expected = new PageChecksum().compute(first, 0, 1);
        checksum.compute(first, 0, 1);
        checksum.compute(second, 0, 2);
        assertThat(checksum.compute(first, 0, 1)).isEqualTo(expected);
        assertThat(checksum.compute(second, 0, 2)).isEqualTo(new PageChecksum().compute(second, 0, 2));
    }
}
