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
 * The loop works on primitive ints read through a VarHandle view of the byte array, with no
 * allocation beyond the 32 sums, so it runs at memory speed.
 */
package io.pgbk.core.page;

public final class PageChecksum {
    private static final int N_SUMS = 32;
    private static final int ROWS = PageHeader.PAGE_SIZE / (Integer.BYTES * N_SUMS);
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

    private PageChecksum() {
    }

    /**
     * The checksum PostgreSQL would store in the page that starts at {@code offset}.
     *
     * @param blockNumber the block's number in the relation (not in its segment file)
     * @return 1..65535
     */
    public static int compute(byte[] page, int offset, long blockNumber) {
        int[] sums = BASE_OFFSETS.clone();
        for (int column = 0; column < N_SUMS; column++) {
            int word = (int) PageHeader.INT_LE.get(page, offset + column * Integer.BYTES);
            sums[column] = mix(sums[column], column == CHECKSUM_WORD ? word & CHECKSUM_MASK : word);
        }
        for (int row = 1; row < ROWS; row++) {
            int rowStart = offset + row * N_SUMS * Integer.BYTES;
            for (int column = 0; column < N_SUMS; column++) {
                sums[column] = mix(sums[column], (int) PageHeader.INT_LE.get(page, rowStart + column * Integer.BYTES));
            }
        }
        int folded = 0;
        for (int column = 0; column < N_SUMS; column++) {
            folded ^= mix(mix(sums[column], 0), 0);
        }
        folded ^= (int) blockNumber;
        return Integer.remainderUnsigned(folded, 65535) + 1;
    }

    private static int mix(int sum, int value) {
        int tmp = sum ^ value;
        return tmp * FNV_PRIME ^ (tmp >>> 17);
    }
}
