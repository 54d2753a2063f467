package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import io.pgbk.core.pgdata.PgdataEntry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class CopyQueueTest {

    @Test
    void handsOutTheLargestFilesFirstAndEqualSizesInScanOrder() {
        List<PgdataEntry> scan = List.of(directory("base"), file("base/1", 8192), file("base/2", 1 << 30),
                file("base/3", 8192), file("base/4", 300 << 20), directory("global"), file("global/1262", 0));
        CopyQueue queue = new CopyQueue(scan, PgdataEntry::size);

        List<String> taken = new ArrayList<>();
        for (Optional<PgdataEntry> next = queue.next(); next.isPresent(); next = queue.next()) {
            taken.add(next.get().path());
        }

        assertThat(taken).containsExactly("base/2", "base/4", "base/1", "base/3", "base", "global", "global/1262");
        assertThat(queue.next()).isEmpty();
    }

    @Test
    void givesEveryEntryToExactlyOneOfSeveralWorkers() throws Exception {
        List<PgdataEntry> scan = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            scan.add(file("base/5/" + i, i % 97 * 8192L));
        }
        CopyQueue queue = new CopyQueue(scan, PgdataEntry::size);
        List<String> taken = Collections.synchronizedList(new ArrayList<>());
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                running.add(workers.submit(() -> {
                    for (Optional<PgdataEntry> next = queue.next(); next.isPresent(); next = queue.next()) {
                        taken.add(next.get().path());
                    }
                }));
            }
            for (Future<?> worker : running) {
                worker.get();
            }
        } finally {
            workers.shutdownNow();
        }
        assertThat(taken).hasSize(10_000).doesNotHaveDuplicates();
    }

    private static PgdataEntry file(String path, long size) {
        return new PgdataEntry(path, EntryKind.FILE, size, Instant.EPOCH, FileMode.parse("0600"), Path.of(path), null);
    }

    private static PgdataEntry directory(String path) {
        return new PgdataEntry(path, EntryKind.DIRECTORY, 0, Instant.EPOCH, FileMode.parse("0700"), Path.of(path),
                null);
    }
}
