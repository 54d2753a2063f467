package io.pgbk.core.page;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Random;

/** Builds synthetic 8 KiB pages with a chosen LSN, valid pd_upper and PostgreSQL's checksum. */
final class TestPages {
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private TestPages() {
    }

    /** An initialised page with random content, the given LSN and a correct checksum for its block. */
    static byte[] page(long lsn, long blockNumber, long seed) {
        byte[] page = new byte[PageHeader.PAGE_SIZE];
        new Random(seed).nextBytes(page);
        INT_LE.set(page, 0, (int) (lsn >>> 32));
        INT_LE.set(page, 4, (int) lsn);
        SHORT_LE.set(page, 12, (short) 64);
        SHORT_LE.set(page, 14, (short) 4096);
        SHORT_LE.set(page, 16, (short) PageHeader.PAGE_SIZE);
        SHORT_LE.set(page, 8, (short) new PageChecksum().compute(page, 0, blockNumber));
        return page;
    }

    static byte[] concat(byte[]... pages) {
        int length = 0;
        for (byte[] page : pages) {
            length += page.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] page : pages) {
            System.arraycopy(page, 0, all, at, page.length);
            at += page.length;
        }
        return all;
    }
}
