package io.pgbk.core.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

class PageMapTest {

    @Test
    void writesRangesAndParsesThemBack() {
        PageMap map = new PageMap(200L * 8192 + 100, new int[] {0, 1, 2, 3, 7, 190, 191, 200});

        assertThat(map.toString()).isEqualTo("1638500:0-3,7,190-191,200");
        assertThat(PageMap.parse(map.toString())).isEqualTo(map);
        assertThat(map.blockCount()).isEqualTo(201);
        assertThat(map.pageLength(200)).isEqualTo(100);
        assertThat(map.storedSize()).isEqualTo(7L * 8192 + 100);
    }

    @Test
    void anEmptyMapKeepsTheFileSize() {
        PageMap map = PageMap.parse("8192:");
        assertThat(map.pageCount()).isZero();
        assertThat(map.fileSize()).isEqualTo(8192);
        assertThat(map).hasToString("8192:");
    }

    @Test
    void refusesBlocksOutOfOrderOrBeyondTheFile() {
        assertThatThrownBy(() -> new PageMap(8192 * 3, new int[] {1, 1})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PageMap(8192 * 3, new int[] {3})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageMap.parse("8192:0-x")).isInstanceOf(PgbkException.class)
                .hasMessageContaining("invalid page map");
        assertThatThrownBy(() -> PageMap.parse("0-3")).isInstanceOf(PgbkException.class);
        assertThatThrownBy(() -> PageMap.parse("81920:5-3")).isInstanceOf(PgbkException.class)
                .hasMessageContaining("5-3");
        assertThatThrownBy(() -> PageMap.parse("81920:1,3-2,4")).isInstanceOf(PgbkException.class);
        assertThatThrownBy(() -> PageMap.parse("81920:0-2000000000")).isInstanceOf(PgbkException.class)
                .hasMessageContaining("more pages than 10");
        assertThatThrownBy(() -> PageMap.parse("81920:2,1")).isInstanceOf(PgbkException.class);
        assertThatThrownBy(() -> PageMap.parse("81920:1,,2")).isInstanceOf(PgbkException.class);
    }

    @Test
    void parsesAMapOfManyRanges() {
        // every 40th page of a 1 GiB segment and the pages after it, as an incremental's change leaves
        int[] blocks = java.util.stream.IntStream.range(0, 131072).filter(block -> block % 40 < 2).toArray();
        PageMap map = new PageMap(1L << 30, blocks);

        PageMap parsed = PageMap.parse(map.toString());

        assertThat(parsed).isEqualTo(map);
        assertThat(parsed.pageCount()).isEqualTo(blocks.length);
    }

    @Test
    void isAValueDespiteItsArray() {
        int[] blocks = {1, 2};
        PageMap map = new PageMap(8192 * 4, blocks);
        blocks[0] = 0;
        assertThat(map.blocks()).containsExactly(1, 2);
        assertThat(map).isEqualTo(new PageMap(8192 * 4, new int[] {1, 2})).hasSameHashCodeAs(new PageMap(8192 * 4, new int[] {1, 2}));
    }
}
