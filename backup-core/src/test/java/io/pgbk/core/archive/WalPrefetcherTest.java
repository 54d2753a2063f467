package io.pgbk.core.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.backup.FaultyStore;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.SyntheticSegment;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalPrefetcherTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofBytes(1024 * 1024);
    private static final long SYSTEM = 7_312_345_678_901_234_567L;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path repositoryRoot;
    @TempDir
    Path pgWal;
    @TempDir
    Path spoolPath;
    private Repository repository;
    private WalArchive archive;
    private ArchiveSpool spool;
    private Thread prefetcher;

    @BeforeEach
    void open() {
        repository = Repository.open(new LocalObjectStore(repositoryRoot), "main");
        archive = new WalArchive(repository, Compression.NONE);
        spool = ArchiveSpool.of(spoolPath, "main");
        prefetcher = prefetcherThread(repository);
    }

    private Thread prefetcherThread(Repository repository) {
        WalPrefetcher walPrefetcher = new WalPrefetcher(repository, spool, 4, 1, DEADLINE, Clock.systemUTC());
        return new Thread(() -> {
            try {
                walPrefetcher.run();
            } catch (InterruptedException e) {
                // the test is over
            }
        }, "test-wal-prefetcher");
    }

    @AfterEach
    void stop() throws InterruptedException {
        prefetcher.interrupt();
        prefetcher.join(DEADLINE.toMillis());
        assertThat(prefetcher.isAlive()).as("prefetcher stopped").isFalse();
    }

    @Test
    void theEndOfTheArchiveAndTheTimelineHistoriesAreRecordedAsMissingWithTheTimeOfTheCheckUntilTheyArrive()
            throws IOException, InterruptedException {
        push("000000010000000000000001");
        push("000000010000000000000002");
        spool.prefetchQueue().continueFrom(WalSegmentName.parse("000000010000000000000001"));
        Path in = spool.prefetchQueue().directory();
        Path endMarker = in.resolve("000000010000000000000003.missing");
        Path historyMarker = in.resolve("00000002.history.missing");
        Path ownHistoryMarker = in.resolve("00000001.history.missing");
        long before = Instant.now().toEpochMilli();

        prefetcher.start();
        awaitUntil(() -> Files.exists(endMarker) && Files.exists(historyMarker) && Files.exists(ownHistoryMarker));

        assertThat(spool.prefetchQueue().queued()).containsExactly("000000010000000000000001", "000000010000000000000002");
        assertThat(Long.parseLong(Files.readString(endMarker).strip())).isBetween(before, Instant.now().toEpochMilli());
        long first = Long.parseLong(Files.readString(historyMarker).strip());
        assertThat(first).isBetween(before, Instant.now().toEpochMilli());
        // Renewed while the prefetcher watches the end: bin/pgbk trusts a marker only for a few seconds.
        awaitUntil(() -> markerTime(historyMarker) > first);

        push("000000010000000000000003");
        Files.writeString(pgWal.resolve("00000002.history"), "1\t0/4000000\tno recovery target specified\n");
        archive.push(pgWal.resolve("00000002.history"));
        awaitUntil(() -> !Files.exists(endMarker) && !Files.exists(historyMarker));

        assertThat(in.resolve("000000010000000000000003")).hasSameBinaryContentAs(pgWal.resolve("000000010000000000000003"));
        assertThat(in.resolve("000000010000000000000004.missing")).exists();
        assertThat(ownHistoryMarker).as("timeline 1 has no history file").exists();
    }

    @Test
    void theHistoriesRecoveryAsksForAtATargetAreKeptFreshWhileTheQueueIsFullFarFromTheEndOfTheArchive()
            throws IOException, InterruptedException {
        for (int segment = 1; segment <= 6; segment++) {
            push("00000001000000000000000" + segment);
        }
        spool.prefetchQueue().continueFrom(WalSegmentName.parse("000000010000000000000001"));
        Path in = spool.prefetchQueue().directory();
        Path historyMarker = in.resolve("00000002.history.missing");

        prefetcher.start();
        awaitUntil(() -> spool.prefetchQueue().queued().size() == 4 && Files.exists(historyMarker));
        long first = markerTime(historyMarker);
        awaitUntil(() -> markerTime(historyMarker) > first);

        assertThat(spool.prefetchQueue().queued()).as("the queue holds its depth, recovery took nothing").containsExactly(
                "000000010000000000000001", "000000010000000000000002", "000000010000000000000003",
                "000000010000000000000004");
        assertThat(in.resolve("000000010000000000000005.missing")).doesNotExist();
        assertThat(in.resolve("00000001.history.missing")).exists();
    }

    @Test
    void aRequestIsAnsweredWithTheSegmentOrItsAbsenceAndOnlyARequestOffCourseReaimsTheQueue()
            throws IOException, InterruptedException {
        push("000000010000000000000001");
        push("000000010000000000000002");
        PrefetchQueue queue = spool.prefetchQueue();
        queue.continueFrom(WalSegmentName.parse("000000010000000000000001"));
        Path in = queue.directory();
        Path endMarker = in.resolve("000000010000000000000003.missing");
        Path historyMarker = in.resolve("00000002.history.missing");
        prefetcher.start();
        awaitUntil(() -> Files.exists(endMarker) && Files.exists(historyMarker));
        // What bin/pgbk does: recovery took both segments, then reads the last one again at its end.
        Files.delete(in.resolve("000000010000000000000001"));
        Files.delete(in.resolve("000000010000000000000002"));
        Path reread = request("000000010000000000000002");
        awaitUntil(() -> !Files.exists(reread));

        assertThat(in.resolve("000000010000000000000002")).hasSameBinaryContentAs(pgWal.resolve("000000010000000000000002"));
        assertThat(endMarker).as("the end of the archive is still where it was").exists();
        assertThat(historyMarker).exists();
        assertThat(queue.requestedStart()).contains(WalSegmentName.parse("000000010000000000000001"));

        long before = Instant.now().toEpochMilli();
        Path elsewhere = request("000000020000000000000003");
        awaitUntil(() -> !Files.exists(elsewhere));

        assertThat(markerTime(in.resolve("000000020000000000000003.missing"))).isBetween(before, Instant.now().toEpochMilli());
        assertThat(queue.requestedStart()).as("re-aimed at the other timeline").contains(WalSegmentName.parse("000000020000000000000003"));
        assertThat(queue.queued()).as("what lies off the new course is dropped").isEmpty();
    }

    @Test
    void theHistoriesAreLookedAtBeforeTheFirstRequestIsAnswered() throws IOException, InterruptedException {
        push("000000010000000000000001");
        PrefetchQueue queue = spool.prefetchQueue();
        Path in = queue.directory();
        Path historyMarker = in.resolve("00000002.history.missing");
        // As the wal-fetch that started the prefetcher leaves the spool, recovery having taken the first segment.
        queue.bindTo(new SystemIdentifier(SYSTEM));
        queue.continueFrom(WalSegmentName.parse("000000010000000000000002"));
        // Recovery asks for the end of the archive before the prefetcher is up, then at once for the
        // next timeline's history file: its marker must be there when the request is answered.
        Path request = request("000000010000000000000002");
        List<Boolean> markedWhenAsked = new CopyOnWriteArrayList<>();
        Repository watched = Repository.open(FaultyStore.watchingReads(new LocalObjectStore(repositoryRoot), key -> {
            if (key.contains("000000010000000000000002")) {
                markedWhenAsked.add(Files.exists(historyMarker));
            }
        }), "main");
        prefetcher = prefetcherThread(watched);

        prefetcher.start();
        awaitUntil(() -> !Files.exists(request));

        assertThat(markedWhenAsked).as("the history marker existed whenever the requested segment was looked for")
                .isNotEmpty().doesNotContain(false);
        assertThat(in.resolve("000000010000000000000002.missing")).exists();
        assertThat(in.resolve("00000001.history.missing")).exists();
    }

    /** What bin/pgbk writes when it waits for the prefetcher. */
    private Path request(String name) throws IOException {
        return Files.writeString(spool.root().resolve("want").resolve(name), "");
    }

    private void push(String name) throws IOException {
        archive.push(SyntheticSegment.of(SYSTEM, WalSegmentName.parse(name), SIZE).write(pgWal, name, name.hashCode()));
    }

    private static long markerTime(Path marker) {
        try {
            return Long.parseLong(Files.readString(marker).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static void awaitUntil(BooleanSupplier condition) {
        new Poll(DEADLINE).until("the prefetcher to reach the condition", condition);
    }
}
