/*
 * Speed of PageChecksum, the data page checksum that every backup computes for each 8 KiB page
 * it reads: one thread, warm, in nanoseconds per byte. The working set is a few pages cycled
 * over and over (the backup computes the checksum of a page it has just read into its own page
 * buffer, so the page is in the CPU cache), and the contents are random: the checksum does the
 * same work whatever the bytes are. After 3 s of warm-up, each round times 256 MiB of pages;
 * the median and the best round are printed. Run it once with C2 and once with C1 (some commands
 * run with -XX:TieredStopAtLevel=1):
 *
 *   mvn -q -B -o -pl backup-core -am compile
 *   java -cp backup-core/target/classes bench/PageChecksumBench.java
 *   java -XX:TieredStopAtLevel=1 -cp backup-core/target/classes bench/PageChecksumBench.java
 *
 * Arguments: [pages in the working set, default 64] [rounds, default 21].
 */

import io.pgbk.core.page.PageChecksum;
import io.pgbk.core.page.PageHeader;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

public final class PageChecksumBench {
    private static final int PAGES_PER_ROUND = 32_768;

    public static void main(String[] args) {
        int pages = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 21;
        byte[] data = new byte[pages * PageHeader.PAGE_SIZE];
        new Random(42).nextBytes(data);
        PageChecksum checksum = new PageChecksum();

        long sink = 0;
        long warmUntil = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < warmUntil) {
            sink += round(checksum, data, pages);
        }
        double[] nsPerByte = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            sink += round(checksum, data, pages);
            nsPerByte[i] = (System.nanoTime() - start) / ((double) PAGES_PER_ROUND * PageHeader.PAGE_SIZE);
        }
        Arrays.sort(nsPerByte);
        double median = nsPerByte[rounds / 2];
        System.out.printf("PageChecksum.compute, %d-page working set, JVM flags %s%n", pages,
                ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.printf("median %.4f ns/byte (%.1f GB/s), best %.4f ns/byte, %d rounds of %d pages (checksum sum %d)%n",
                median, 1 / median, nsPerByte[0], rounds, PAGES_PER_ROUND, sink);
    }

    /** Checksums PAGES_PER_ROUND pages; the sum of the results keeps the JIT from dropping the work. */
    private static long round(PageChecksum checksum, byte[] data, int pages) {
        long sum = 0;
        for (int i = 0; i < PAGES_PER_ROUND; i++) {
            int page = i % pages;
            sum += checksum.compute(data, page * PageHeader.PAGE_SIZE, page);
        }
        return sum;
    }
}
