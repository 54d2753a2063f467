package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.repo.Repository;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.LocalObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TarPartTest {

    @TempDir
    Path repositoryDirectory;

    /**
     * A store that gives up after reading a little, closing what it read from before it reports
     * why: the worker writing meanwhile finds the pipe closed before the upload has failed, and
     * must report the upload's failure, not the closed pipe.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anUploadThatFailsIsWhatTheWorkerReportsNotTheBrokenPipe() throws Exception {
        ExecutorService uploads = Executors.newSingleThreadExecutor();
        try (LocalObjectStore store = new LocalObjectStore(repositoryDirectory)) {
            Repository repository = Repository.open(new FaultyStore(store, (key, content) -> {
                try {
                    content.readNBytes(4096);
                    content.close();
                    // a store slow to fail, not a wait for a condition: a writer blocked on the full
                    // pipe looks again every second (PipedInputStream) and finds it closed first
                    Thread.sleep(1500);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                throw FaultyStore.full(key);
            }), "main");
            TarPart part = new TarPart(repository, BackupId.parse("20261130T020000Z"), 0, Compression.NONE, uploads);
            byte[] content = new byte[3 * 1024 * 1024];

            assertThatThrownBy(() -> part.add("base/5/16384", 0600, Instant.now(), content.length,
                    new ByteArrayInputStream(content)))
                    .isInstanceOf(PgbkException.class).hasMessageContaining("No space left on device");
        } finally {
            uploads.shutdownNow();
        }
    }
}
