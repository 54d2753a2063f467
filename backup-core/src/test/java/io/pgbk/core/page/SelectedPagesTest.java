package io.pgbk.core.page;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.wal.Lsn;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelectedPagesTest {
    private static final int PAGE = PageHeader.PAGE_SIZE;

    @TempDir
    Path directory;

    @Test
    void passesOnExactlyTheSelectedPagesWithTheIncompleteTailAndMapsThem() throws IOException {
        byte[] file = new byte[20 * PAGE + 300];
        for (int block = 0; block < 20; block++) {
            System.arraycopy(TestPages.page(100 + block, block, block), 0, file, block * PAGE, PAGE);
        }
        Arrays.fill(file, 20 * PAGE, file.length, (byte) 7);
        Path path = Files.write(directory.resolve("16384"), file);
        int[] blocks = {0, 3, 4, 5, 19, 20}; // a run, singles, and the incomplete last page

        byte[] stored;
        ChangedPageFilter pages;
        try (FileChannel channel = FileChannel.open(path)) {
            pages = ChangedPageFilter.passingEvery(new SelectedPages(channel, blocks, file.length, null));
            stored = pages.readAllBytes();
        }

        assertThat(pages.pageMap()).isEqualTo(new PageMap(file.length, blocks));
        assertThat(stored).isEqualTo(TestPages.concat(Arrays.copyOfRange(file, 0, PAGE),
                Arrays.copyOfRange(file, 3 * PAGE, 6 * PAGE), Arrays.copyOfRange(file, 19 * PAGE, file.length)));
    }

    @Test
    void aFileThatShrankSinceItsSizeWasTakenReadsAsZerosPastItsEnd() throws IOException {
        byte[] file = TestPages.concat(TestPages.page(1, 0, 1), TestPages.page(1, 1, 2));
        Path path = Files.write(directory.resolve("16385"), file);

        byte[] stored;
        try (FileChannel channel = FileChannel.open(path)) {
            stored = ChangedPageFilter.passingEvery(new SelectedPages(channel, new int[] {1, 2, 3}, 4L * PAGE, null))
                    .readAllBytes();
        }

        assertThat(stored).isEqualTo(TestPages.concat(Arrays.copyOfRange(file, PAGE, 2 * PAGE), new byte[2 * PAGE]));
    }

    @Test
    void theVerifierJudgesThePagesReadAndOnlyThose() throws IOException {
        byte[] file = new byte[6 * PAGE];
        for (int block = 0; block < 6; block++) {
            System.arraycopy(TestPages.page(100, block, block), 0, file, block * PAGE, PAGE);
        }
        file[4 * PAGE + 4000] ^= 1; // selected: reported
        file[1 * PAGE + 4000] ^= 1; // not selected: not read
        Path path = Files.write(directory.resolve("16386"), file);
        PageChecksumVerifier verifier = PageChecksumVerifier.forSelectedPages("base/5/16386", 0, new Lsn(1L << 40));

        try (FileChannel channel = FileChannel.open(path)) {
            ChangedPageFilter.passingEvery(new SelectedPages(channel, new int[] {2, 4, 5}, file.length, verifier))
                    .readAllBytes();
        }

        assertThat(verifier.result().corruptBlocks()).containsExactly(4);
        assertThat(verifier.result().pagesVerified()).isEqualTo(2);
    }
}
