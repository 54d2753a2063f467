package io.pgbk.receiver;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineHistory;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.receiver.locator.FixedPrimaryLocator;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.spool.ArchiveConsumer;
import io.pgbk.receiver.spool.DirectoryConsumer;
import io.pgbk.receiver.spool.SpoolLimit;
import io.pgbk.receiver.stream.StreamSettings;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.storage.s3.S3ObjectStore;
import io.pgbk.storage.s3.S3Settings;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import io.pgbk.testkit.s3.S3ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The receiver against real PostgreSQL servers with 1 MiB segments. */
class WalReceiverTest {

    private static final WalSegmentSize MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final SlotName SLOT = new SlotName("pgbk_test");
    private static final StreamSettings QUICK = new StreamSettings(Duration.ofMillis(200), Duration.ofSeconds(20), false);

    @TempDir
    Path temp;

    private static PostgresOptions options() {
        return PostgresOptions.defaults().withSetting("wal_keep_size", "64MB");
    }

    private RunningReceiver start(io.pgbk.core.cluster.PrimaryLocator locator, DirectoryConsumer repository,
                                  Optional<SystemIdentifier> system, Optional<SlotName> slot, StreamSettings stream) {
        ReceiverSettings settings = ReceiverSettings.of(temp.resolve("spool"), slot, system).withStream(stream)
                .withBackoff(Backoff.between(Duration.ofMillis(100), Duration.ofSeconds(1)));
        return new RunningReceiver(new WalReceiver(settings, locator, repository, Clock.systemUTC(), Map.of()));
    }

    /** Writes some WAL and switches segments count times; returns the names of the segments switched away from. */
    private static List<String> writeAndSwitch(PostgresCluster cluster, int count) {
        List<String> switched = new ArrayList<>();
        cluster.execute("CREATE TABLE IF NOT EXISTS filler (x text)");
        for (int i = 0; i < count; i++) {
            cluster.execute("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 3000) g");
            switched.add(cluster.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())"));
            cluster.execute("SELECT pg_switch_wal()");
        }
        return switched;
    }

    private static void awaitStreaming(PostgresCluster server) {
        new Poll(WAIT).until("the receiver to stream from " + server,
                () -> server.queryForLong("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pgbk'"
                        + " AND state = 'streaming'") == 1,
                () -> server.logTail(20));
    }

    private static void awaitStored(DirectoryConsumer repository, String name, RunningReceiver receiver) {
        new Poll(WAIT).until(name + " in the repository", () -> Files.exists(repository.directory().resolve(name)),
                () -> "stored " + repository.accepted() + ", last failure " + receiver.receiver().lastFailure());
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> storedSegments(DirectoryConsumer repository) throws IOException {
        try (Stream<Path> files = Files.list(repository.directory())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}")).sorted().toList();
        }
    }

    private static void assertContiguous(List<String> segments) {
        for (int i = 1; i < segments.size(); i++) {
            WalSegmentName previous = WalSegmentName.parse(segments.get(i - 1));
            WalSegmentName next = WalSegmentName.parse(segments.get(i));
            if (previous.timeline().equals(next.timeline())) {
                assertThat(next).as("the segment after " + previous).isEqualTo(previous.next(MIB));
            }
        }
    }

    @Test
    void storesEverySegmentByteForByteAsThePrimaryWroteIt() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("recv-bytes", options())) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
            try (RunningReceiver receiver = start(new FixedPrimaryLocator(primary.conninfo()), repository,
                    Optional.of(new SystemIdentifier(primary.systemIdentifier())), Optional.of(SLOT), QUICK)) {
                awaitStreaming(primary);
                List<String> switched = writeAndSwitch(primary, 4);
                awaitStored(repository, switched.get(switched.size() - 1), receiver);

                List<String> stored = storedSegments(repository);
                assertThat(stored).containsAll(switched);
                assertContiguous(stored);
                for (String segment : stored) {
                    assertThat(read(repository.directory().resolve(segment))).as(segment)
                            .isEqualTo(read(primary.dataDirectory().resolve("pg_wal").resolve(segment)));
                }
            }
        }
    }

    private static Lsn lsn(PostgresCluster cluster, String sql) {
        String value = cluster.queryForString(sql);
        return value == null ? Lsn.INVALID : Lsn.parse(value);
    }

    private static Lsn segmentEnd(String segment) {
        return WalSegmentName.parse(segment).startLsn(MIB).plus(MIB.bytes());
    }

    @Test
    void theSlotNeverMovesPastWhatTheRepositoryHolds() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("recv-slot", options())) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
            try (RunningReceiver receiver = start(new FixedPrimaryLocator(primary.conninfo()), repository,
                    Optional.empty(), Optional.of(SLOT), QUICK)) {
                awaitStreaming(primary);
                repository.hold();
                List<String> switched = writeAndSwitch(primary, 3);
                Lsn written = lsn(primary, "SELECT pg_current_wal_lsn()");
                new Poll(WAIT).until("the server to hear that everything was received",
                        () -> lsn(primary, "SELECT write_lsn FROM pg_stat_replication").compareTo(written) >= 0,
                        () -> primary.queryForString("SELECT write_lsn || ' ' || flush_lsn FROM pg_stat_replication"));

                Lsn notStored = WalSegmentName.parse(switched.get(0)).startLsn(MIB);
                assertThat(lsn(primary, "SELECT flush_lsn FROM pg_stat_replication")).isLessThanOrEqualTo(notStored);
                assertThat(lsn(primary, "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'"))
                        .isLessThanOrEqualTo(notStored);
                assertThat(temp.resolve("spool").resolve(switched.get(switched.size() - 1))).exists();

                repository.release();
                String last = switched.get(switched.size() - 1);
                awaitStored(repository, last, receiver);
                new Poll(WAIT).until("the slot to follow the repository",
                        () -> lsn(primary, "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")
                                .equals(segmentEnd(last)),
                        () -> primary.queryForString("SELECT restart_lsn FROM pg_replication_slots"));
            }
        }
    }

    @Test
    void refusesAServerOfAnotherCluster() throws Exception {
        try (PostgresCluster ours = PostgresCluster.startPrimary("recv-ours", options());
             PostgresCluster other = PostgresCluster.startPrimary("recv-other", options())) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
            try (RunningReceiver receiver = start(new FixedPrimaryLocator(other.conninfo()), repository,
                    Optional.of(new SystemIdentifier(ours.systemIdentifier())), Optional.of(SLOT), QUICK)) {
                new Poll(WAIT).until("the receiver to refuse the other cluster",
                        () -> receiver.receiver().lastFailure().filter(m -> m.contains("refusing")).isPresent(),
                        () -> "last failure " + receiver.receiver().lastFailure());

                assertThat(receiver.receiver().lastFailure().orElseThrow())
                        .contains(Long.toUnsignedString(other.systemIdentifier()));
                assertThat(other.queryForLong("SELECT count(*) FROM pg_replication_slots")).isZero();
                assertThat(repository.accepted()).isEmpty();
            }
        }
    }

    @Test
    void aRestartAfterACrashMidSegmentLeavesNoGap() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("recv-crash", options())) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
            Path spool = temp.resolve("spool");
            Path crashed = temp.resolve("crashed-spool");
            try (RunningReceiver receiver = start(new FixedPrimaryLocator(primary.conninfo()), repository,
                    Optional.empty(), Optional.of(SLOT), QUICK)) {
                awaitStreaming(primary);
                List<String> switched = writeAndSwitch(primary, 2);
                awaitStored(repository, switched.get(1), receiver);
                primary.execute("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 2000) g");
                Lsn written = lsn(primary, "SELECT pg_current_wal_lsn()");
                new Poll(WAIT).until("the receiver to write the current segment",
                        () -> lsn(primary, "SELECT write_lsn FROM pg_stat_replication").compareTo(written) >= 0,
                        () -> primary.queryForString("SELECT write_lsn::text FROM pg_stat_replication"));
                // what a crash at this moment leaves: the spool as it is, the partial segment torn
                Files.createDirectories(crashed);
                try (Stream<Path> files = Files.list(spool)) {
                    for (Path file : files.toList()) {
                        Files.copy(file, crashed.resolve(file.getFileName()));
                    }
                }
            }
            String partial = primary.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())") + ".partial";
            Path torn = crashed.resolve(partial);
            assertThat(torn).exists();
            byte[] bytes = Files.readAllBytes(torn);
            Arrays.fill(bytes, 8192, 16384, (byte) 0x5A);
            Files.write(torn, bytes);
            deleteTree(spool);
            Files.move(crashed, spool);

            List<String> switched = writeAndSwitch(primary, 2);
            try (RunningReceiver receiver = start(new FixedPrimaryLocator(primary.conninfo()), repository,
                    Optional.empty(), Optional.of(SLOT), QUICK)) {
                awaitStored(repository, switched.get(1), receiver);
                assertThat(receiver.receiver().lastFailure()).isEmpty();
            }
            List<String> stored = storedSegments(repository);
            assertThat(stored).contains(partial.replace(".partial", "")).containsAll(switched);
            assertContiguous(stored);
            for (String segment : stored) {
                assertThat(read(repository.directory().resolve(segment))).as(segment)
                        .isEqualTo(read(primary.dataDirectory().resolve("pg_wal").resolve(segment)));
            }
        }
    }

    @Test
    void synchronousModeReleasesCommits() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("recv-sync", options())) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
            StreamSettings synchronous = new StreamSettings(Duration.ofSeconds(10), Duration.ofSeconds(20), true);
            try (RunningReceiver receiver = start(new FixedPrimaryLocator(primary.conninfo()), repository,
                    Optional.empty(), Optional.of(SLOT), synchronous)) {
                awaitStreaming(primary);
                primary.execute("ALTER SYSTEM SET synchronous_standby_names = 'pgbk'");
                primary.execute("SELECT pg_reload_conf()");
                new Poll(WAIT).until("pgbk to be the synchronous standby",
                        () -> "sync".equals(primary.queryForString("SELECT sync_state FROM pg_stat_replication")),
                        () -> primary.queryForString("SELECT sync_state FROM pg_stat_replication"));

                primary.execute("CREATE TABLE committed (x int)");
                primary.execute("INSERT INTO committed VALUES (1)");
                Lsn commit = lsn(primary, "SELECT pg_current_wal_lsn()");

                assertThat(lsn(primary, "SELECT flush_lsn FROM pg_stat_replication")).isGreaterThanOrEqualTo(commit);
                assertThat(lsn(primary, "SELECT restart_lsn FROM pg_replication_slots"))
                        .isGreaterThanOrEqualTo(commit.segmentStart(MIB));
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(path);
            }
        }
    }

    @Test
    void followsAFailoverToThePromotedStandby() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("recv-old", options());
             PostgresCluster standby = primary.createStandby("recv-new", StandbyOptions.streaming().withServer(options()))) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
            SwitchableLocator locator = new SwitchableLocator("old", primary.conninfo());
            try (RunningReceiver receiver = start(locator, repository,
                    Optional.of(new SystemIdentifier(primary.systemIdentifier())), Optional.of(SLOT), QUICK)) {
                awaitStreaming(primary);
                List<String> before = writeAndSwitch(primary, 2);
                awaitStored(repository, before.get(1), receiver);
                primary.execute("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 1000) g");
                standby.waitForCatchUp(primary);
                primary.stop();
                standby.promote();
                locator.switchTo("new", standby.conninfo());

                List<String> after = writeAndSwitch(standby, 2);
                awaitStored(repository, after.get(1), receiver);
                assertTimelineSwitch(repository, standby, after);
            }
        }
    }

    @Test
    void followsThePromotionOfTheStandbyItStreamsFrom() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("recv-up", options());
             PostgresCluster standby = primary.createStandby("recv-cascade", StandbyOptions.streaming().withServer(options()))) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repo"), MIB);
            try (RunningReceiver receiver = start(new FixedPrimaryLocator(standby.conninfo()), repository,
                    Optional.of(new SystemIdentifier(primary.systemIdentifier())), Optional.of(SLOT), QUICK)) {
                awaitStreaming(standby);
                List<String> before = writeAndSwitch(primary, 2);
                awaitStored(repository, before.get(1), receiver);
                primary.execute("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 1000) g");
                standby.waitForCatchUp(primary);
                standby.promote();

                List<String> after = writeAndSwitch(standby, 2);
                awaitStored(repository, after.get(1), receiver);
                assertTimelineSwitch(repository, standby, after);
            }
        }
    }

    /**
     * Timeline 2's history reached the repository before its WAL; timeline 1 ends in a .partial
     * that holds the same bytes as timeline 2's first segment up to the switch point; every
     * timeline 2 segment equals the new primary's; no segment is missing on either timeline.
     */
    private static void assertTimelineSwitch(DirectoryConsumer repository, PostgresCluster promoted, List<String> after)
            throws IOException {
        Path wal = promoted.dataDirectory().resolve("pg_wal");
        assertThat(read(repository.directory().resolve("00000002.history"))).isEqualTo(read(wal.resolve("00000002.history")));
        List<String> order = repository.accepted();
        int history = order.indexOf("00000002.history");
        assertThat(order.stream().filter(n -> n.startsWith("00000002") && !n.endsWith(".history")))
                .allSatisfy(n -> assertThat(order.indexOf(n)).as(n + " after the history").isGreaterThan(history));

        Lsn switchPoint = TimelineHistory.parse(new TimelineId(2),
                Files.readString(repository.directory().resolve("00000002.history"))).switchPoint(TimelineId.FIRST)
                .orElseThrow();
        WalSegmentName last = WalSegmentName.from(TimelineId.FIRST, switchPoint, MIB);
        WalSegmentName first = WalSegmentName.from(new TimelineId(2), switchPoint, MIB);
        int shared = (int) switchPoint.segmentOffset(MIB);
        byte[] partial = read(repository.directory().resolve(last + ".partial"));
        byte[] firstOfNew = read(repository.directory().resolve(first.toString()));
        assertThat(Arrays.copyOf(partial, shared)).isEqualTo(Arrays.copyOf(firstOfNew, shared));

        List<String> stored = storedSegments(repository);
        assertThat(stored).containsAll(after).contains(first.toString());
        assertThat(stored).contains(WalSegmentName.ofSegmentNumber(TimelineId.FIRST,
                last.segmentNumber(MIB) - 1, MIB).toString());
        assertContiguous(stored);
        for (String segment : stored.stream().filter(n -> n.startsWith("00000002")).toList()) {
            assertThat(read(repository.directory().resolve(segment))).as(segment).isEqualTo(read(wal.resolve(segment)));
        }
    }

    @Test
    void archivesIntoARepositoryAndResumesFromItWhenTheSpoolIsLost() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("recv-archive", options());
             LocalObjectStore store = new LocalObjectStore(temp.resolve("store"))) {
            Repository repository = Repository.open(store, "main");
            ArchiveConsumer archive = new ArchiveConsumer(new WalArchive(repository, Compression.DEFAULT), repository);
            ReceiverSettings settings = ReceiverSettings.of(temp.resolve("spool"), Optional.empty(), Optional.empty())
                    .withStream(QUICK).withBackoff(Backoff.between(Duration.ofMillis(100), Duration.ofSeconds(1)));
            List<String> first;
            try (RunningReceiver receiver = new RunningReceiver(new WalReceiver(settings,
                    new FixedPrimaryLocator(primary.conninfo()), archive, Clock.systemUTC(), Map.of()))) {
                awaitStreaming(primary);
                first = writeAndSwitch(primary, 2);
                new Poll(WAIT).until(first.get(1) + " in the repository",
                        () -> archive.newestStoredSegment().map(Object::toString).filter(first.get(1)::equals).isPresent(),
                        () -> "newest " + archive.newestStoredSegment() + ", last failure " + receiver.receiver().lastFailure());
            }
            deleteTree(temp.resolve("spool"));

            List<String> second = writeAndSwitch(primary, 2);
            try (RunningReceiver receiver = new RunningReceiver(new WalReceiver(settings,
                    new FixedPrimaryLocator(primary.conninfo()), archive, Clock.systemUTC(), Map.of()))) {
                new Poll(WAIT).until(second.get(1) + " in the repository",
                        () -> archive.newestStoredSegment().map(Object::toString).filter(second.get(1)::equals).isPresent(),
                        () -> "newest " + archive.newestStoredSegment() + ", last failure " + receiver.receiver().lastFailure());
            }
            WalArchive reader = new WalArchive(repository, Compression.DEFAULT);
            WalSegmentName from = WalSegmentName.parse(first.get(0));
            WalSegmentName to = WalSegmentName.parse(second.get(1));
            for (WalSegmentName segment = from; !segment.equals(to.next(MIB)); segment = segment.next(MIB)) {
                Path fetched = temp.resolve("fetched").resolve(segment.toString());
                assertThat(reader.fetch(segment.toString(), fetched)).as(segment + " archived").isTrue();
                assertThat(read(fetched)).as(segment.toString())
                        .isEqualTo(read(primary.dataDirectory().resolve("pg_wal").resolve(segment.toString())));
            }
            // each ends with its switch, so its summary needs nothing of the next
            for (String switched : concat(first, second)) {
                assertThat(repository.stat(Repository.walSummaryKey(WalSegmentName.parse(switched))))
                        .as("the summary of " + switched).isPresent();
            }
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> both = new ArrayList<>(first);
        both.addAll(second);
        return both;
    }

    @Test
    void anUnreachableRepositoryFillsTheSpoolToItsLimitThenTheBacklogDrainsWithoutAGap() throws Exception {
        SpoolLimit limit = new SpoolLimit(3 * MIB.bytes());
        Path spool = temp.resolve("spool");
        try (PostgresCluster primary = PostgresCluster.startPrimary("recv-full", options());
             S3ProxyServer s3 = S3ProxyServer.launch();
             S3ObjectStore store = new S3ObjectStore(S3Settings.defaults().withEndpoint(s3.endpoint(), true)
                     .withCredentials(s3.accessKey(), s3.secretKey()).withLocation(s3.bucket(), "repo")
                     .withMaxAttempts(1))) {
            Repository repository = Repository.open(store, "main");
            WalArchive wal = new WalArchive(repository, Compression.DEFAULT);
            ArchiveConsumer archive = new ArchiveConsumer(wal, repository);
            ReceiverSettings settings = ReceiverSettings.of(spool, Optional.of(SLOT), Optional.empty()).withStream(QUICK)
                    .withBackoff(Backoff.between(Duration.ofMillis(100), Duration.ofSeconds(1))).withSpoolMax(limit);
            try (RunningReceiver receiver = new RunningReceiver(new WalReceiver(settings,
                    new FixedPrimaryLocator(primary.conninfo()), archive, Clock.systemUTC(), Map.of()))) {
                awaitStreaming(primary);
                String stored = writeAndSwitch(primary, 1).get(0);
                awaitNewest(archive, stored, receiver);

                s3.stop();
                List<String> during = writeAndSwitch(primary, 8);
                new Poll(WAIT).until("the spool alarm",
                        () -> receiver.receiver().lastFailure().filter(m -> m.contains("not yet in the repository")).isPresent(),
                        () -> "last failure " + receiver.receiver().lastFailure());
                new Poll(WAIT).until("the receiver to stop receiving",
                        () -> primary.queryForLong("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pgbk'") == 0,
                        () -> primary.queryForString("SELECT string_agg(state || ' ' || write_lsn, ', ') FROM pg_stat_replication"));
                assertThat(receiver.receiver().lastFailure().orElseThrow())
                        .contains("spool " + spool, "(limit 3MB)", "the repository is not taking WAL")
                        .doesNotContain(s3.secretKey());
                assertThat(filesBytes(spool)).as("bytes in the spool").isLessThanOrEqualTo(limit.bytes() + MIB.bytes());
                assertThat(lsn(primary, "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'"))
                        .isLessThanOrEqualTo(segmentEnd(stored));

                s3.start();
                String last = during.get(during.size() - 1);
                awaitNewest(archive, last, receiver);
                awaitStreaming(primary);
                for (WalSegmentName segment = WalSegmentName.parse(stored); !segment.equals(WalSegmentName.parse(last).next(MIB));
                     segment = segment.next(MIB)) {
                    assertThat(wal.stat(segment.toString())).as(segment + " in the repository").isPresent();
                }
                assertThat(repository.list("wal-gaps/")).isEmpty();
                assertThat(receiver.receiver().gaps()).isEmpty();
            }
        }
    }

    private static void awaitNewest(ArchiveConsumer archive, String segment, RunningReceiver receiver) {
        new Poll(WAIT).until(segment + " in the repository",
                () -> archive.newestStoredSegment().map(Object::toString).filter(segment::equals).isPresent(),
                () -> "newest " + archive.newestStoredSegment() + ", last failure " + receiver.receiver().lastFailure());
    }

    private static long filesBytes(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.mapToLong(file -> read(file).length).sum();
        }
    }
}
