package io.pgbk.cli.background;

import io.pgbk.cli.PgbkInstallation;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * archive-async and prefetch as PostgreSQL runs them: the installed launcher as archive_command
 * and restore_command, its fast paths, and the background workers it starts, against a
 * repository on the local file system, with 1 MiB segments.
 */
class AsyncWalArchivingIT {

    private PgbkInstallation pgbk;
    private TempDirectory work;
    private Path config;
    private Path spool;

    @BeforeEach
    void install() throws IOException {
        pgbk = PgbkInstallation.create();
        work = ServiceUser.forServers().createDirectory("async-it");
        Files.createDirectory(repository());
        spool = work.path().resolve("spool");
        config = Files.writeString(work.path().resolve("pgbk.yaml"), "repo: " + repository() + "\ncluster: main\n"
                + "spool-path: " + spool + "\narchive-async: true\nprefetch: 8\njobs: 2\n");
        ServiceUser.forServers().takeOwnership(work.path());
    }

    @AfterEach
    void uninstall() {
        try (PgbkInstallation installed = pgbk; TempDirectory directory = work) {
            BackgroundWorkers.stopAll(config);
        }
    }

    private Path repository() {
        return work.path().resolve("repository");
    }

    private Path spoolOf(String direction) {
        return spool.resolve("archive/main").resolve(direction);
    }

    @Test
    void primaryUnderLoadArchivesEverySegmentAndAStandbyReplaysThemThroughThePrefetchSpool() {
        PostgresOptions archiving = PostgresOptions.defaults().withWalSegmentSizeMb(1)
                .withSetting("archive_mode", "on")
                .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p"));
        try (PostgresCluster primary = PostgresCluster.startPrimary("primary", archiving)) {
            primary.execute("CREATE TABLE t (id int PRIMARY KEY, payload text)");
            String first = primary.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())");
            for (int round = 0; round < 20; round++) {
                primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(" + (round * 5000 + 1)
                        + ", " + (round + 1) * 5000 + ") g");
            }
            String last = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
            Poll poll = new Poll(Duration.ofSeconds(120));
            poll.until("the primary to archive " + last, () -> archivedAtLeast(primary, last), () -> primary.logTail(30));

            assertThat(archivedSegments()).containsAll(segmentsBetween(first, last));
            assertThat(primary.queryForLong("SELECT failed_count FROM pg_stat_archiver")).as(primary.logTail(60)).isZero();
            assertThat(spool.resolve("archive/main/push.log")).as("the background pusher ran").isNotEmptyFile();

            String restore = pgbk.command("--config", config.toString(), "wal-fetch", "%f", "%p");
            // Recovery asks for a missing segment again only every 20 s: time for the prefetcher to fill the spool.
            StandbyOptions standbyOptions = StandbyOptions.archiveOnly(restore)
                    .withServer(PostgresOptions.defaults().withWalSegmentSizeMb(1)
                            .withSetting("restore_command", restore)
                            .withSetting("wal_retrieve_retry_interval", "20s"));
            try (PostgresCluster standby = primary.createStandby("standby", standbyOptions)) {
                String rows = "SELECT count(*) || ' ' || md5(string_agg(id || payload, ',' ORDER BY id)) FROM t";
                String expected = primary.queryForString(rows);
                poll.until("the standby to replay what was archived", () -> expected.equals(standby.queryForString(rows)),
                        () -> standby.logTail(30));

                primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(100001, 130000) g");
                String more = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
                // Whether the prefetcher or the first wal-fetch's batch puts the new segments in the
                // spool, restore_command may take them within milliseconds: what is checked is that
                // recovery gets them all and that nothing handed out stays in the spool.
                String grown = primary.queryForString(rows);
                poll.until("the standby to replay the new rows", () -> grown.equals(standby.queryForString(rows)),
                        () -> standby.logTail(30));

                assertThat(grown).startsWith("130000 ");
                assertThat(queued()).as("segments taken by restore_command leave the spool").doesNotContain(more);
            }
        }
    }

    @Test
    void aRecoveryFromABackupCostsOneJvmFromItsFirstQuestionToThePromotion() throws IOException {
        PostgresOptions archiving = PostgresOptions.defaults().withWalSegmentSizeMb(1)
                .withSetting("archive_mode", "on")
                .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p"));
        try (PostgresCluster primary = PostgresCluster.startPrimary("primary", archiving)) {
            primary.execute("CREATE TABLE t (id int PRIMARY KEY, payload text)");
            Path jvms = Files.createDirectory(work.path().resolve("jvms"));
            ServiceUser.forServers().takeOwnership(jvms);
            // Every JVM restore_command starts leaves a log file named after the file asked for and its
            // process id (%f is the file to PostgreSQL, %% is %).
            String restore = "PGBK_JAVA_OPTS=-Xlog:gc:file=" + jvms + "/%f-%%p.log "
                    + pgbk.command("--config", config.toString(), "--quiet", "wal-fetch", "%f", "%p");
            StandbyOptions standbyOptions = StandbyOptions.archiveOnly(restore)
                    .withServer(PostgresOptions.defaults().withWalSegmentSizeMb(1).withSetting("restore_command", restore));
            try (PostgresCluster standby = primary.createStandby("standby", standbyOptions)) {
                for (int round = 0; round < 8; round++) {
                    primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(" + (round * 5000 + 1)
                            + ", " + (round + 1) * 5000 + ") g");
                }
                String rows = "SELECT count(*) || ' ' || md5(string_agg(id || payload, ',' ORDER BY id)) FROM t";
                String expected = primary.queryForString(rows);
                primary.queryForString("SELECT pg_switch_wal()");
                Poll poll = new Poll(Duration.ofSeconds(120));
                poll.until("the standby to replay what was archived", () -> expected.equals(standby.queryForString(rows)),
                        () -> standby.logTail(30));
                // Promotion ends recovery: it asks for the next segment and timeline history files, which
                // are missing, and reads its last segment again.
                standby.promote();
                standby.waitUntilPromoted();

                assertThat(expected).startsWith("40000 ");
                assertThat(standby.queryForString(rows)).isEqualTo(expected);
                assertThat(jvmLogs(jvms)).as("one JVM, for the first timeline history probe, which starts the prefetcher; "
                        + standby.logTail(80) + "\nthe prefetcher's log:\n" + prefetcherLog()).hasSize(1);
            }
        }
    }

    @Test
    void aFailureRecordedByTheBackgroundPusherFailsTheNextArchiveCommandWithItsMessage() throws IOException {
        try (PostgresCluster first = PostgresCluster.initdb("first", PostgresOptions.defaults().withWalSegmentSizeMb(1));
             PostgresCluster second = PostgresCluster.initdb("second", PostgresOptions.defaults().withWalSegmentSizeMb(1))) {
            Path claimed = lowestSegment(first);
            PgbkInstallation.Result stored = pgbk.run(first.dataDirectory(), Map.of(), "--config", config.toString(),
                    "--quiet", "wal-push", "--archive-async=false", "pg_wal/" + claimed.getFileName());
            assertThat(stored.status()).as(stored.err()).isZero();
            String name = lowestSegment(second).getFileName().toString();
            Path ready = second.dataDirectory().resolve("pg_wal/archive_status/" + name + ".ready");
            Files.writeString(ready, "");
            ServiceUser.forServers().takeOwnership(second.dataDirectory());

            PgbkInstallation.Result started = pgbk.run(second.dataDirectory(), Map.of(), "--config", config.toString(),
                    "wal-push", "pg_wal/" + name);
            Path error = spoolOf("out").resolve(name + ".error");
            new Poll(Duration.ofSeconds(60)).until("the background pusher to record the failure of " + name,
                    () -> Files.exists(error), () -> started.err());
            String recorded = Files.readString(error).strip();
            PgbkInstallation.Result reported = pgbk.run(second.dataDirectory(), Map.of(), "--config", config.toString(),
                    "wal-push", "pg_wal/" + name);

            assertThat(started.status()).as("the foreground push fails by itself").isEqualTo(1);
            assertThat(reported.status()).as(reported.err()).isEqualTo(1);
            assertThat(reported.errLines()).containsExactly("pgbk: " + recorded);
            assertThat(recorded).contains("refusing to mix clusters");
            assertThat(spoolOf("out").resolve(name + ".ok")).doesNotExist();
        }
    }

    @Test
    void aSpoolOfAnotherSystemIsNeverServedAndAMissingSegmentIsAQuietFailure() throws IOException {
        try (PostgresCluster cluster = PostgresCluster.initdb("origin", PostgresOptions.defaults().withWalSegmentSizeMb(1))) {
            Path segment = lowestSegment(cluster);
            String name = segment.getFileName().toString();
            PgbkInstallation.Result stored = pgbk.run(cluster.dataDirectory(), Map.of(), "--config", config.toString(),
                    "wal-push", "--archive-async=false", "pg_wal/" + name);
            assertThat(stored.status()).as(stored.err()).isZero();
            Files.createDirectories(spoolOf("in"));
            Files.writeString(spoolOf("in").resolve("system-identifier"), "12345\n");
            Files.writeString(spoolOf("in").resolve(name), "stale: from another cluster");
            Path destination = cluster.dataDirectory().resolve("pg_wal/RECOVERYXLOG");

            PgbkInstallation.Result fetched = pgbk.run(cluster.dataDirectory(), Map.of(), "--config", config.toString(),
                    "wal-fetch", name, "pg_wal/RECOVERYXLOG");

            assertThat(fetched.status()).as(fetched.err()).isZero();
            assertThat(Files.mismatch(destination, segment)).as("fetched from the repository").isEqualTo(-1);
            String system = systemOf(cluster);
            Poll poll = new Poll(Duration.ofSeconds(60));
            poll.until("the stale spool to be dropped", () -> !Files.exists(spoolOf("in").resolve(name)) && system.equals(marker()),
                    () -> "marker: " + marker());
            Path prefetchLog = spool.resolve("archive/main/prefetch.log");
            poll.until("the prefetcher to follow recovery", () -> Files.exists(prefetchLog) && read(prefetchLog).contains("prefetching from"),
                    () -> Files.exists(prefetchLog) ? read(prefetchLog) : "no prefetch.log");

            // Asked of the running prefetcher, which finds it missing: no JVM, no message.
            PgbkInstallation.Result missing = pgbk.run(cluster.dataDirectory(), Map.of(), "--config", config.toString(),
                    "wal-fetch", "0000000100000000000000F0", "pg_wal/RECOVERYXLOG.2");

            assertThat(missing.status()).isEqualTo(1);
            assertThat(missing.err()).isEmpty();
            assertThat(spoolOf("in").resolve("0000000100000000000000F0.missing")).exists();
            assertThat(spoolOf("want")).isEmptyDirectory();
            assertThat(cluster.dataDirectory().resolve("pg_wal/RECOVERYXLOG.2")).doesNotExist();
        }
    }

    @Test
    void aMissingMarkerIsHonoredOnlyWhileFreshAndASegmentArchivedMeanwhileIsServedOnceItExpired() throws IOException {
        try (PostgresCluster cluster = PostgresCluster.initdb("origin", PostgresOptions.defaults().withWalSegmentSizeMb(1))) {
            Path segment = lowestSegment(cluster);
            String name = segment.getFileName().toString();
            Files.createDirectories(spoolOf("in"));
            Files.writeString(spoolOf("in").resolve("system-identifier"), systemOf(cluster) + "\n");
            Path destination = cluster.dataDirectory().resolve("pg_wal/RECOVERYXLOG");

            // What the prefetcher records after finding the repository without these files.
            missingMarker(name, 0);
            missingMarker("00000002.history", 0);
            PgbkInstallation.Result segmentWhileFresh = fetch(cluster, name);
            PgbkInstallation.Result historyWhileFresh = fetch(cluster, "00000002.history");
            missingMarker("00000002.history", 60_000);
            PgbkInstallation.Result historyMarkedInTheFuture = fetch(cluster, "00000002.history");
            PgbkInstallation.Result pushed = pgbk.run(cluster.dataDirectory(), Map.of(), "--config", config.toString(),
                    "wal-push", "--archive-async=false", "pg_wal/" + name);
            missingMarker(name, -4_000);
            // The segment arrived after the marker was written: served once the marker expired.
            PgbkInstallation.Result segmentOnceExpired = fetch(cluster, name);

            assertThat(segmentWhileFresh.status()).isEqualTo(1);
            assertThat(segmentWhileFresh.err()).as("answered by the launcher, quietly").isEmpty();
            assertThat(historyWhileFresh.status()).isEqualTo(1);
            assertThat(historyWhileFresh.err()).isEmpty();
            assertThat(pushed.status()).as(pushed.err()).isZero();
            assertThat(segmentOnceExpired.status()).as(segmentOnceExpired.err()).isZero();
            assertThat(Files.mismatch(destination, segment)).as("fetched from the repository").isEqualTo(-1);
            assertThat(historyMarkedInTheFuture.status()).isEqualTo(1);
            assertThat(historyMarkedInTheFuture.errLines()).as("asked the repository").containsExactly(
                    "pgbk: WAL file 00000002.history is not in file://" + repository() + " cluster 'main'");
        }
    }

    private String prefetcherLog() throws IOException {
        Path log = spool.resolve("archive/main/prefetch.log");
        return Files.exists(log) ? Files.readString(log) : "(none)";
    }

    private static List<Path> jvmLogs(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private PgbkInstallation.Result fetch(PostgresCluster cluster, String name) {
        return pgbk.run(cluster.dataDirectory(), Map.of(), "--config", config.toString(), "wal-fetch", name, "pg_wal/RECOVERYXLOG");
    }

    private void missingMarker(String name, long millisFromNow) throws IOException {
        Files.writeString(spoolOf("in").resolve(name + ".missing"), (System.currentTimeMillis() + millisFromNow) + "\n");
    }

    /** The first field of pg_control, in the host's byte order (the cluster is not running). */
    private static String systemOf(PostgresCluster cluster) throws IOException {
        byte[] control = Files.readAllBytes(cluster.dataDirectory().resolve("global/pg_control"));
        return Long.toUnsignedString(ByteBuffer.wrap(control).order(ByteOrder.nativeOrder()).getLong());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String marker() {
        try {
            Path file = spoolOf("in").resolve("system-identifier");
            return Files.exists(file) ? Files.readString(file).strip() : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean archivedAtLeast(PostgresCluster primary, String segment) {
        String last = primary.queryForString("SELECT last_archived_wal FROM pg_stat_archiver");
        return last != null && last.compareTo(segment) >= 0;
    }

    private static List<String> segmentsBetween(String first, String last) {
        List<String> names = new ArrayList<>();
        WalSegmentSize size = WalSegmentSize.ofBytes(1024 * 1024);
        for (WalSegmentName name = WalSegmentName.parse(first); name.toString().compareTo(last) <= 0; name = name.next(size)) {
            names.add(name.toString());
        }
        return names;
    }

    private Set<String> archivedSegments() {
        try (Stream<Path> files = Files.walk(repository())) {
            Set<String> names = new TreeSet<>();
            files.map(file -> file.getFileName().toString()).filter(file -> file.matches("[0-9A-F]{24}.*"))
                    .forEach(file -> names.add(file.substring(0, 24)));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Set<String> queued() {
        try (Stream<Path> files = Files.list(spoolOf("in"))) {
            return new TreeSet<>(files.map(file -> file.getFileName().toString()).filter(file -> file.matches("[0-9A-F]{24}")).toList());
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** The segment holding an initdb'd cluster's last checkpoint (see WalArchivingScenarios.currentSegment). */
    private static Path lowestSegment(PostgresCluster cluster) throws IOException {
        try (Stream<Path> files = Files.list(cluster.dataDirectory().resolve("pg_wal"))) {
            return files.filter(file -> file.getFileName().toString().matches("[0-9A-F]{24}")).sorted().findFirst().orElseThrow();
        }
    }
}
