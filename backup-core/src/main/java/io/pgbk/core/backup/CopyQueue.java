/*
 * The files a local-mode backup's workers take, one at a time, largest first. A worker that
 * takes a 1 GiB relation segment near the end copies it alone while the others idle; taken
 * first, the large files run side by side and the small ones fill the gaps, so the workers end
 * together (longest-processing-time-first scheduling). The order matters for the copy only: the
 * manifest lists the files in the scan's order, and each file's part and offset say where it is.
 */
package io.pgbk.core.backup;

import io.pgbk.core.pgdata.PgdataEntry;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.ToLongFunction;

final class CopyQueue {

    private final Queue<PgdataEntry> entries;

    /** Orders entries by size, descending; entries of equal size keep their order. */
    CopyQueue(List<PgdataEntry> entries, ToLongFunction<PgdataEntry> size) {
        this.entries = new ConcurrentLinkedQueue<>(
                entries.stream().sorted(Comparator.comparingLong(size).reversed()).toList());
    }

    /** The next entry to copy, from any worker thread; empty when all are taken. */
    Optional<PgdataEntry> next() {
        return Optional.ofNullable(entries.poll());
    }
}
