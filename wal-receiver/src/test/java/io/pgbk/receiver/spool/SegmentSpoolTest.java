package io.pgbk.receiver.spool;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.receiver.replication.TimelineHistoryFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SegmentSpoolTest {

    private static final WalSegmentSize MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final int SEGMENT = MIB.bytes();
    private static final TimelineId ONE = new TimelineId(1);
    private static final TimelineId TWO = new TimelineId(2);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    /** WAL stand-in: bytes that differ by position, so a misplaced write shows. */
    private static byte[] wal(long start, int length) {
        byte[] bytes = new byte[length];
        new Random(start).nextBytes(bytes);
        return bytes;
    }

    /** Writes [start, end) in chunks of chunk bytes, as the server would send it. */
    private static void stream(SegmentSpool spool, long start, long end, int chunk) {
        for (long at = start; at < end; at += chunk) {
            int length = (int) Math.min(chunk, end - at);
            spool.write(new Lsn(at), ByteBuffer.wrap(wal(at, length)));
        }
    }

    private static byte[] expected(long start, long end, int chunk) {
        ByteBuffer all = ByteBuffer.allocate((int) (end - start));
        for (long at = start; at < end; at += chunk) {
            all.put(wal(at, (int) Math.min(chunk, end - at)));
        }
        return all.array();
    }

    @Test
    void completedSegmentsReachTheConsumerWithTheirExactBytes() throws Exception {
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
        try (SegmentSpool spool = SegmentSpool.open(temp.resolve("spool"), MIB, repository, false)) {
            spool.begin(ONE, new Lsn(3L * SEGMENT));
            stream(spool, 3L * SEGMENT, 5L * SEGMENT + 1000, 100_000);

            assertThat(spool.awaitHandedOff(WAIT)).isTrue();
            assertThat(repository.accepted()).containsExactly("000000010000000000000003", "000000010000000000000004");
            byte[] chunks = expected(3L * SEGMENT, 5L * SEGMENT + 1000, 100_000);
            assertThat(Files.readAllBytes(repository.file("000000010000000000000003")))
                    .isEqualTo(Arrays.copyOfRange(chunks, 0, SEGMENT));
            assertThat(Files.readAllBytes(repository.file("000000010000000000000004")))
                    .isEqualTo(Arrays.copyOfRange(chunks, SEGMENT, 2 * SEGMENT));
            assertThat(spool.received()).isEqualTo(new Lsn(5L * SEGMENT + 1000));
            assertThat(spool.flushPosition()).isEqualTo(new Lsn(5L * SEGMENT));
            assertThat(Files.list(temp.resolve("spool")).map(p -> p.getFileName().toString()))
                    .containsExactly("000000010000000000000005.partial");
            assertThat(Files.size(temp.resolve("spool/000000010000000000000005.partial"))).isEqualTo(SEGMENT);
        }
    }

    @Test
    void synchronousFlushRunsOneSegmentAheadOfTheRepositoryAtMost() throws Exception {
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
        try (SegmentSpool spool = SegmentSpool.open(temp.resolve("spool"), MIB, repository, true)) {
            spool.begin(ONE, new Lsn(SEGMENT));
            repository.hold();
            stream(spool, SEGMENT, 2L * SEGMENT + 500, 65_536);
            spool.sync();
            assertThat(spool.filesWaiting()).isEqualTo(1);
            assertThat(spool.flushPosition()).as("the segment just completed is being stored: commits do not wait for it")
                    .isEqualTo(new Lsn(2L * SEGMENT + 500));

            stream(spool, 2L * SEGMENT + 500, 3L * SEGMENT + 500, 65_536);
            spool.sync();
            assertThat(spool.filesWaiting()).isEqualTo(2);
            assertThat(spool.flushPosition()).as("two segments behind: the repository holds the flush position back")
                    .isEqualTo(new Lsn(SEGMENT));

            repository.release();
            assertThat(spool.awaitHandedOff(WAIT)).isTrue();
            assertThat(spool.flushPosition()).as("synchronous: the fsynced position once the earlier segments are stored")
                    .isEqualTo(new Lsn(3L * SEGMENT + 500));
        }
    }

    @Test
    void asynchronousFlushStopsAtTheLastStoredSegment() throws Exception {
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
        try (SegmentSpool spool = SegmentSpool.open(temp.resolve("spool"), MIB, repository, false)) {
            spool.begin(ONE, new Lsn(SEGMENT));
            stream(spool, SEGMENT, 2L * SEGMENT + 500, 65_536);
            spool.sync();

            assertThat(spool.awaitHandedOff(WAIT)).isTrue();
            assertThat(spool.flushPosition()).isEqualTo(new Lsn(2L * SEGMENT));
        }
    }

    @Test
    void aTimelineEndingInsideASegmentLeavesItsPartialAfterTheHistoryOfTheNext() throws Exception {
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
        try (SegmentSpool spool = SegmentSpool.open(temp.resolve("spool"), MIB, repository, false)) {
            spool.begin(ONE, new Lsn(SEGMENT));
            stream(spool, SEGMENT, 2L * SEGMENT + 0xA0, 65_536);
            spool.endOfTimeline();
            spool.addHistory(new TimelineHistoryFile("00000002.history",
                    "1\t0/2000A0\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8)));
            spool.begin(TWO, new Lsn(2L * SEGMENT));
            stream(spool, 2L * SEGMENT, 3L * SEGMENT, 65_536);

            assertThat(spool.awaitHandedOff(WAIT)).isTrue();
            assertThat(repository.accepted()).containsExactly("000000010000000000000001",
                    "000000010000000000000002.partial", "00000002.history", "000000020000000000000002");
            byte[] partial = Files.readAllBytes(repository.file("000000010000000000000002.partial"));
            assertThat(partial).hasSize(SEGMENT);
            assertThat(Arrays.copyOfRange(partial, 0, 0xA0)).isEqualTo(wal(2L * SEGMENT, 0xA0));
            assertThat(Arrays.copyOfRange(partial, 0xA0, SEGMENT)).containsOnly(0);
            assertThat(spool.flushPosition()).isEqualTo(new Lsn(3L * SEGMENT));
        }
    }

    @Test
    void walOfAnAbandonedTimelineIsNeverReportedToTheNextServer() throws Exception {
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
        try (SegmentSpool spool = SegmentSpool.open(temp.resolve("spool"), MIB, repository, false)) {
            repository.hold();
            spool.begin(ONE, new Lsn(SEGMENT));
            stream(spool, SEGMENT, 3L * SEGMENT + 100, 65_536);
            spool.begin(TWO, new Lsn(2L * SEGMENT));
            repository.release();

            assertThat(spool.awaitHandedOff(WAIT)).isTrue();
            assertThat(repository.accepted()).containsExactly("000000010000000000000001",
                    "000000010000000000000002", "000000010000000000000003.partial");
            assertThat(spool.flushPosition()).isEqualTo(new Lsn(2L * SEGMENT));
        }
    }

    @Test
    void aRestartHandsOffWhatWasLeftAndResumesAtThePartialsStart() throws Exception {
        Path directory = temp.resolve("spool");
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
        repository.available(false);
        try (SegmentSpool spool = SegmentSpool.open(directory, MIB, repository, false)) {
            spool.begin(ONE, new Lsn(SEGMENT));
            stream(spool, SEGMENT, 3L * SEGMENT + 100, 65_536);
            assertThat(spool.reach()).contains(new WalPosition(ONE, new Lsn(3L * SEGMENT)));
        }
        assertThat(repository.accepted()).isEmpty();
        repository.available(true);
        Files.write(directory.resolve(".00000001000000000000000A.abc.tmp"), new byte[1]);

        try (SegmentSpool spool = SegmentSpool.open(directory, MIB, repository, false)) {
            assertThat(spool.awaitHandedOff(WAIT)).isTrue();
            assertThat(repository.accepted()).containsExactly("000000010000000000000001", "000000010000000000000002");
            assertThat(spool.reach()).contains(new WalPosition(ONE, new Lsn(3L * SEGMENT)));
            assertThat(directory.resolve(".00000001000000000000000A.abc.tmp")).doesNotExist();
        }
    }

    @Test
    void aPartialOfAnEndedTimelineIsHandedOffAfterARestart() throws Exception {
        Path directory = Files.createDirectories(temp.resolve("spool"));
        Files.write(directory.resolve("000000010000000000000002.partial"), new byte[SEGMENT]);
        Files.write(directory.resolve("000000020000000000000002.partial"), new byte[SEGMENT]);
        Files.writeString(directory.resolve("00000002.history"), "1\t0/2000A0\tx\n");
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);

        try (SegmentSpool spool = SegmentSpool.open(directory, MIB, repository, false)) {
            assertThat(spool.awaitHandedOff(WAIT)).isTrue();
            assertThat(repository.accepted()).containsExactly("000000010000000000000002.partial", "00000002.history");
            assertThat(spool.reach()).contains(new WalPosition(TWO, new Lsn(2L * SEGMENT)));
        }
    }

    @Test
    void reachCountsWhatTheRepositoryAlreadyHas() throws IOException {
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
        Files.write(repository.directory().resolve("000000010000000000000007"), new byte[SEGMENT]);

        try (SegmentSpool spool = SegmentSpool.open(temp.resolve("spool"), MIB, repository, false)) {
            assertThat(spool.reach()).contains(new WalPosition(ONE, new Lsn(8L * SEGMENT)));
        }
    }

    @Test
    void refusesWalThatDoesNotFollowOn() throws IOException {
        DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
        try (SegmentSpool spool = SegmentSpool.open(temp.resolve("spool"), MIB, repository, false)) {
            spool.begin(ONE, new Lsn(SEGMENT));

            assertThatThrownBy(() -> spool.write(new Lsn(SEGMENT + 8), ByteBuffer.wrap(new byte[8])))
                    .isInstanceOf(PgbkException.class).hasMessageContaining("expected");
            assertThatThrownBy(() -> spool.begin(ONE, new Lsn(SEGMENT + 8))).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
