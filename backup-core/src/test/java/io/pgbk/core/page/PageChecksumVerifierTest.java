package io.pgbk.core.page;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.wal.Lsn;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class PageChecksumVerifierTest {
    private static final long START = 0x5_00000000L;
    private static final Lsn START_LSN = new Lsn(START);

    @Test
    void passesTheBytesUnchangedAndReportsOnlyCorruptBlocks() throws IOException {
        byte[] good0 = TestPages.page(START - 1, 0, 10);
        byte[] corrupt1 = TestPages.page(START - 1, 1, 11);
        corrupt1[5000] ^= 0x10;
        byte[] zero2 = new byte[PageHeader.PAGE_SIZE];
        byte[] changedDuringBackup3 = TestPages.page(START + 10, 3, 13);
        changedDuringBackup3[6000] ^= 0x10;
        byte[] newButDirty4 = new byte[PageHeader.PAGE_SIZE];
        newButDirty4[100] = 1;
        byte[] good5 = TestPages.page(1, 5, 15);
        byte[] file = TestPages.concat(good0, corrupt1, zero2, changedDuringBackup3, newButDirty4, good5);

        PageChecksumVerifier verifier = new PageChecksumVerifier(new ByteArrayInputStream(file), "base/5/16384", 0, START_LSN);
        byte[] copied = readInOddChunks(verifier);

        assertThat(copied).isEqualTo(file);
        PageChecksumResult result = verifier.result();
        assertThat(result.corruptBlocks()).containsExactly(1, 4);
        assertThat(result.pagesVerified()).isEqualTo(2);
        assertThat(result.pagesChangedDuringBackup()).isEqualTo(1);
        assertThat(result.highestSkippedLsn()).isEqualTo(new Lsn(START + 10));
        assertThat(result.partialTailBytes()).isZero();
        assertThat(result.file()).isEqualTo("base/5/16384");
        assertThat(result.hasCorruption()).isTrue();
    }

    @Test
    void mixesTheSegmentsFirstBlockNumberIntoTheChecksum() throws IOException {
        long firstBlock = 131072L * 2;
        byte[] file = TestPages.concat(TestPages.page(1, firstBlock, 20), TestPages.page(1, firstBlock + 1, 21));

        PageChecksumVerifier right = new PageChecksumVerifier(new ByteArrayInputStream(file), "f.2", firstBlock, START_LSN);
        right.readAllBytes();
        PageChecksumVerifier wrong = new PageChecksumVerifier(new ByteArrayInputStream(file), "f.2", 0, START_LSN);
        wrong.readAllBytes();

        assertThat(right.result().corruptBlocks()).isEmpty();
        assertThat(right.result().pagesVerified()).isEqualTo(2);
        assertThat(wrong.result().corruptBlocks()).containsExactly(0, 1);
    }

    @Test
    void leavesAnIncompleteLastPageUnverifiedAndSaysSo() throws IOException {
        byte[] tail = new byte[1000];
        tail[0] = 42;
        byte[] file = TestPages.concat(TestPages.page(1, 0, 30), tail);

        PageChecksumVerifier verifier = new PageChecksumVerifier(new ByteArrayInputStream(file), "f", 0, START_LSN);
        assertThat(verifier.readAllBytes()).isEqualTo(file);

        assertThat(verifier.result().partialTailBytes()).isEqualTo(1000);
        assertThat(verifier.result().corruptBlocks()).isEmpty();
        assertThat(verifier.result().pagesVerified()).isEqualTo(1);
    }

    @Test
    void skippedBytesAreVerifiedToo() throws IOException {
        byte[] corrupt = TestPages.page(1, 0, 40);
        corrupt[3000] ^= 1;
        byte[] file = TestPages.concat(corrupt, TestPages.page(1, 1, 41));

        PageChecksumVerifier verifier = new PageChecksumVerifier(new ByteArrayInputStream(file), "f", 0, START_LSN);
        assertThat(verifier.skip(file.length)).isEqualTo(file.length);
        assertThat(verifier.read()).isEqualTo(-1);

        assertThat(verifier.result().corruptBlocks()).containsExactly(0);
        assertThat(verifier.result().pagesVerified()).isEqualTo(1);
    }

    @Test
    void checkJudgesAReReadPage() {
        PageChecksumVerifier verifier = new PageChecksumVerifier(InputStream.nullInputStream(), "f", 0, START_LSN);
        byte[] page = TestPages.page(7, 9, 50);
        assertThat(verifier.check(page, 0, 9)).isEqualTo(PageState.VALID);
        assertThat(verifier.check(page, 0, 8)).isEqualTo(PageState.CORRUPT);
        assertThat(verifier.check(new byte[PageHeader.PAGE_SIZE], 0, 1)).isEqualTo(PageState.NEW);
        assertThat(verifier.check(TestPages.page(START, 0, 51), 0, 4)).isEqualTo(PageState.CHANGED_DURING_BACKUP);
    }

    /** Reads with buffers that never line up with pages, and single bytes, as a decorator chain might. */
    static byte[] readInOddChunks(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[3001];
        int round = 0;
        while (true) {
            if (round++ % 5 == 0) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                out.write(b);
            } else {
                int n = in.read(buffer, 7, 3001 - 7);
                if (n < 0) {
                    break;
                }
                out.write(buffer, 7, n);
            }
        }
        return out.toByteArray();
    }
}
