package io.pgbk.core.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import io.pgbk.core.wal.Lsn;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ChangedPageFilterTest {
    private static final long PARENT_START = 0x3_00000000L;

    @Test
    void passesPagesChangedSinceTheParentStartedAndNewPagesAndGrowth() throws IOException {
        byte[] parent = TestPages.concat(
                TestPages.page(PARENT_START - 100, 0, 1),
                TestPages.page(PARENT_START - 50, 1, 2),
                TestPages.page(PARENT_START - 10, 2, 3),
                TestPages.page(PARENT_START - 5, 3, 4));
        byte[] current = TestPages.concat(
                TestPages.page(PARENT_START - 100, 0, 1),     // unchanged
                TestPages.page(PARENT_START, 1, 5),           // changed at the parent's start
                new byte[PageHeader.PAGE_SIZE],               // truncated and re-extended: new
                TestPages.page(PARENT_START - 5, 3, 4),       // unchanged
                TestPages.page(PARENT_START - 1, 4, 6));      // beyond the parent's copy

        ChangedPageFilter filter = new ChangedPageFilter(new ByteArrayInputStream(current), new Lsn(PARENT_START), parent.length);
        byte[] stored = PageChecksumVerifierTest.readInOddChunks(filter);
        PageMap map = filter.pageMap();

        assertThat(map).hasToString(current.length + ":1-2,4");
        assertThat(stored).isEqualTo(TestPages.concat(
                Arrays.copyOfRange(current, 8192, 3 * 8192), Arrays.copyOfRange(current, 4 * 8192, 5 * 8192)));
        assertThat(reassemble(parent, stored, map)).isEqualTo(current);
    }

    @Test
    void reassemblesAFileThatShrankOrEndsInAnIncompletePage() throws IOException {
        byte[] parent = TestPages.concat(TestPages.page(1, 0, 1), TestPages.page(1, 1, 2), TestPages.page(1, 2, 3));
        byte[] shrunk = Arrays.copyOf(parent, 8192 + 300);
        shrunk[8192 + 10] ^= 1;

        ChangedPageFilter filter = new ChangedPageFilter(new ByteArrayInputStream(shrunk), new Lsn(PARENT_START), parent.length);
        byte[] stored = filter.readAllBytes();

        assertThat(filter.pageMap()).hasToString((8192 + 300) + ":1");
        assertThat(stored).hasSize(300);
        assertThat(reassemble(parent, stored, filter.pageMap())).isEqualTo(shrunk);
    }

    @Test
    void reassemblesThroughAChainOfIncrementals() throws IOException {
        byte[] full = TestPages.concat(TestPages.page(1, 0, 1), TestPages.page(1, 1, 2));
        byte[] second = TestPages.concat(TestPages.page(PARENT_START + 1, 0, 3), TestPages.page(1, 1, 2));
        long secondStart = PARENT_START + 1000;
        byte[] third = TestPages.concat(TestPages.page(PARENT_START + 1, 0, 3), TestPages.page(secondStart + 5, 1, 4),
                TestPages.page(secondStart + 6, 2, 5));

        ChangedPageFilter firstIncrement = new ChangedPageFilter(new ByteArrayInputStream(second), new Lsn(PARENT_START), full.length);
        byte[] firstStored = firstIncrement.readAllBytes();
        ChangedPageFilter secondIncrement = new ChangedPageFilter(new ByteArrayInputStream(third), new Lsn(secondStart), second.length);
        byte[] secondStored = secondIncrement.readAllBytes();

        try (ChangedPageOverlay chain = new ChangedPageOverlay(
                new ChangedPageOverlay(new ByteArrayInputStream(full), new ByteArrayInputStream(firstStored),
                        firstIncrement.pageMap(), "f"),
                new ByteArrayInputStream(secondStored), secondIncrement.pageMap(), "f")) {
            assertThat(chain.readAllBytes()).isEqualTo(third);
        }
        assertThat(firstIncrement.pageMap()).hasToString("16384:0");
        assertThat(secondIncrement.pageMap()).hasToString("24576:1-2");
    }

    @Test
    void thePageMapIsKnownOnlyAtTheEnd() throws IOException {
        byte[] file = TestPages.concat(TestPages.page(PARENT_START, 0, 1), TestPages.page(PARENT_START, 1, 2));
        ChangedPageFilter filter = new ChangedPageFilter(new ByteArrayInputStream(file), new Lsn(PARENT_START), file.length);
        assertThat(filter.read(new byte[100])).isEqualTo(100);
        assertThatThrownBy(filter::pageMap).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aDamagedIncrementIsAnExpectedFailure() {
        byte[] parent = TestPages.concat(TestPages.page(1, 0, 1));
        PageMap map = new PageMap(2 * 8192, new int[] {1});
        assertThatThrownBy(() -> reassemble(parent, new byte[100], map)).isInstanceOf(PgbkException.class)
                .hasMessageContaining("incremental copy of f ends before block 1");
        PageMap gap = new PageMap(3 * 8192, new int[] {2});
        assertThatThrownBy(() -> reassemble(parent, new byte[8192], gap)).isInstanceOf(PgbkException.class)
                .hasMessageContaining("parent copy of f ends before block 1");
    }

    private static byte[] reassemble(byte[] parent, byte[] stored, PageMap map) throws IOException {
        try (ChangedPageOverlay overlay = new ChangedPageOverlay(
                new ByteArrayInputStream(parent), new ByteArrayInputStream(stored), map, "f")) {
            return PageChecksumVerifierTest.readInOddChunks(overlay);
        }
    }
}
