package io.pgbk.core.archive;

import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.WalSegmentName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ArchiveSpoolTest {

    private static final SystemIdentifier SYSTEM = new SystemIdentifier(7_311_000_000_000_000_001L);
    private static final SystemIdentifier OTHER = new SystemIdentifier(42);
    private static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path spoolPath;

    @Test
    void prefetchQueueIsEmptiedWhenBoundToAnotherSystem() throws IOException {
        PrefetchQueue queue = ArchiveSpool.of(spoolPath, "main").prefetchQueue();
        queue.bindTo(OTHER);
        Files.writeString(queue.directory().resolve(SEGMENT), "another cluster's WAL");

        queue.bindTo(SYSTEM);

        assertThat(queue.queued()).isEmpty();
        assertThat(Files.readString(queue.directory().resolve("system-identifier")).strip()).isEqualTo(SYSTEM.toString());
    }

    @Test
    void prefetchQueueKeepsItsFilesForTheSameSystemAndDropsThoseOutsideAWindow() throws IOException {
        PrefetchQueue queue = ArchiveSpool.of(spoolPath, "main").prefetchQueue();
        queue.bindTo(SYSTEM);
        Files.writeString(queue.directory().resolve(SEGMENT), "x");
        Files.writeString(queue.directory().resolve("000000010000000000000009"), "x");
        Files.writeString(queue.directory().resolve("." + SEGMENT + ".1234.tmp"), "left by a killed prefetcher");

        queue.bindTo(SYSTEM);
        queue.keepOnly(List.of(SEGMENT));

        assertThat(queue.queued()).containsExactly(SEGMENT);
        try (var files = Files.list(queue.directory())) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactlyInAnyOrder(SEGMENT, "system-identifier");
        }
    }

    @Test
    void theRequestedStartIsWhatWasLastRecorded() {
        PrefetchQueue queue = ArchiveSpool.of(spoolPath, "main").prefetchQueue();
        assertThat(queue.requestedStart()).isEmpty();

        queue.continueFrom(WalSegmentName.parse(SEGMENT));
        queue.continueFrom(WalSegmentName.parse("000000020000000000000004"));

        assertThat(queue.requestedStart()).contains(WalSegmentName.parse("000000020000000000000004"));
    }

    @Test
    void anOutcomeIsTakenOnceAndOnlyByTheSystemItWasRecordedFor() {
        PushOutcomes outcomes = ArchiveSpool.of(spoolPath, "main").pushOutcomes();
        outcomes.bindTo(SYSTEM);
        outcomes.markArchived(SEGMENT);
        outcomes.markFailed("000000010000000000000004", "pgbk could not do it");

        assertThat(outcomes.take(SEGMENT, OTHER)).isEmpty();
        assertThat(outcomes.take(SEGMENT, SYSTEM)).contains(new PushOutcomes.Outcome(Optional.empty()));
        assertThat(outcomes.take(SEGMENT, SYSTEM)).isEmpty();
        assertThat(outcomes.take("000000010000000000000004", SYSTEM))
                .contains(new PushOutcomes.Outcome(Optional.of("pgbk could not do it")));
    }

    @Test
    void outcomesOfNamesNoLongerReadyAreSweptAndAnotherSystemsAreDropped() {
        PushOutcomes outcomes = ArchiveSpool.of(spoolPath, "main").pushOutcomes();
        outcomes.bindTo(OTHER);
        outcomes.markArchived(SEGMENT);
        outcomes.markArchived("000000010000000000000004");

        outcomes.sweep(Set.of("000000010000000000000004"));
        assertThat(outcomes.hasOutcome(SEGMENT)).isFalse();
        assertThat(outcomes.hasOutcome("000000010000000000000004")).isTrue();

        outcomes.bindTo(SYSTEM);
        assertThat(outcomes.hasOutcome("000000010000000000000004")).isFalse();
    }

    @Test
    void requestsAreTheSegmentsInWantAndAnyBindingOpensWantEvenForASpoolBoundBefore() throws IOException {
        ArchiveSpool spool = ArchiveSpool.of(spoolPath, "main");
        PrefetchQueue queue = spool.prefetchQueue();
        Files.createDirectories(queue.directory());
        Files.writeString(queue.directory().resolve("system-identifier"), SYSTEM + "\n");

        queue.bindTo(SYSTEM);
        Files.writeString(spool.root().resolve("want").resolve(SEGMENT), "");
        Files.writeString(spool.root().resolve("want").resolve(".partial-write"), "");

        assertThat(queue.requested()).containsExactly(SEGMENT);
        assertThat(queue.isRequested(SEGMENT)).isTrue();
        queue.settleRequest(SEGMENT);
        assertThat(queue.requested()).isEmpty();
        assertThat(queue.isRequested(SEGMENT)).isFalse();
    }

    @Test
    void theLockFileNamesTheProcessItIsHandedOverTo() throws IOException {
        Path lockFile = ArchiveSpool.of(spoolPath, "main").prefetchLock();
        try (SpoolLock lock = SpoolLock.tryAcquire(lockFile).orElseThrow()) {
            assertThat(Files.readString(lockFile).strip()).isEqualTo(String.valueOf(ProcessHandle.current().pid()));
            lock.handOver(4242);
            assertThat(Files.readString(lockFile)).isEqualTo("4242\n");
        }
    }

    @Test
    void onlyOneProcessHoldsTheWorkerLockAndItsPidIsReadable() {
        Path lockFile = ArchiveSpool.of(spoolPath, "main").prefetchLock();
        assertThat(SpoolLock.isHeld(lockFile)).isFalse();
        try (SpoolLock lock = SpoolLock.tryAcquire(lockFile).orElseThrow()) {
            assertThat(SpoolLock.tryAcquire(lockFile)).isEmpty();
            assertThat(Files.exists(lockFile)).isTrue();
        }
        assertThat(SpoolLock.isHeld(lockFile)).isFalse();
    }
}
