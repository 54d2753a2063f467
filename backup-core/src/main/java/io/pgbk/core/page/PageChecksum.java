/*
 * PostgreSQL's data page checksum (pg_checksum_page, src/include/storage/checksum_impl.h),
 * computed here so a backup can prove that every page it copies is what PostgreSQL wrote.
 *
 * The page is seen as 64 rows of 32 little-endian 32-bit words; each of the 32 columns feeds
 * its own FNV-1a-like sum (value xor sum, times the FNV prime, xor the product shifted right
 * by 17), two extra rounds of zeroes mix the last values, the 32 sums are xor-folded, the
 * block number is xored in so that a page written at the wrong place fails, and the result
 * is reduced to 1..65535 (never 0, which means "no checksum"). pd_checksum itself counts as
 * zero. The block number is the block's number in the whole relation: segment number times
 * 131072 plus the block's number in its 1 GiB segment file.
 *
 * Every page of a backup goes through here, so the loop is shaped for C2's auto-vectorizer
 * (Java 17 has no Vector API without incubator flags): one flat loop over the page's 2048
 * words in which word i updates the sum it finds 32 words earlier, kept in a scratch array of
 * one sum per word. C2 turns that loop into SIMD multiplies: 0.042 ns per byte against 0.071
 * for a loop over a 32-sum array per row, which C2 vectorizes only into narrow vectors, or not
 * at all once that array is not freshly allocated (bench/PageChecksumBench.java). The scratch
 * array is why this is an object: one per thread or stream, allocated once, never per page.
 */
package io.pgbk.core.page;

public final class PageChecksum {
    private static final int N_SUMS = 32;
    private static final int WORDS = PageHeader.PAGE_SIZE / Integer.BYTES;
    private static final int FNV_PRIME = 16777619;
    /** pd_checksum is the low half (little-endian) of the page's third word. */
    private static final int CHECKSUM_WORD = 2;
    private static final int CHECKSUM_MASK = 0xFFFF0000;

    /** The initial values of the 32 sums, fixed by PostgreSQL's on-disk format. */
    private static final int[] BASE_OFFSETS = {
        0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A,
        0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
        0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA,
        0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
        0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE,
        0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
        0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E,
        0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756
    };

    /** sums[i]: the sum of column i % 32 after row i / 32; the last row holds the final sums. */
    private final int[] sums = new int[WORDS];

    /**
     * The checksum PostgreSQL would store in the page that starts at {@code offset}. Not
     * thread-safe: each thread needs its own PageChecksum.
     *
     * @param blockNumber the block's number in the relation (not in its segment file)
     * @return 1..65535
     */
    public int compute(byte[] page, int offset, long blockNumber) {
        int[] sums = this.sums;
        for (int i = 0; i < N_SUMS; i++) {
            sums[i] = mix(BASE_OFFSETS[i], word(page, offset, i));
        }
        // redone rather than tested for in the loop above, which stays branch-free and vectorized
        sums[CHECKSUM_WORD] = mix(BASE_OFFSETS[CHECKSUM_WORD], word(page, offset, CHECKSUM_WORD) & CHECKSUM_MASK);
        for (int i = N_SUMS; i < WORDS; i++) {
            sums[i] = mix(sums[i - N_SUMS], word(page, offset, i));
        }
        int folded = 0;
        for (int i = WORDS - N_SUMS; i < WORDS; i++) {
            folded ^= mix(mix(sums[i], 0), 0);
        }
        folded ^= (int) blockNumber;
        return Integer.remainderUnsigned(folded, 65535) + 1;
    }

    private static int word(byte[] page, int offset, int index) {
        return (int) PageHeader.INT_LE.get(page, offset + index * Integer.BYTES);
    }

    private static int mix(int sum, int value) {
        int tmp = sum ^ value;
        return tmp * FNV_PRIME ^ (tmp >>> 17);
    }
}
