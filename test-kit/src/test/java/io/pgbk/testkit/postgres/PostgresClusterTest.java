package io.pgbk.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PostgresClusterTest {

    private static final PostgresOptions OPTIONS = PostgresOptions.defaults();

    @Test
    void aPrimaryStartsAndAnswers() {
        try (PostgresCluster primary = PostgresCluster.startPrimary("answers", OPTIONS)) {
            assertThat(primary.queryForLong("SELECT 1 + 1")).isEqualTo(2);
            assertThat(primary.queryForString("SHOW data_checksums")).isEqualTo("on");
            assertThat(primary.queryForString("SHOW wal_segment_size")).isEqualTo("1MB");
            assertThat(primary.queryForLong("SHOW server_version_num") / 10_000).isEqualTo(primary.binaries().majorVersion());
            assertThat(primary.queryForLong("SHOW port")).isEqualTo(primary.port());
            assertThat(primary.queryForString("SHOW cluster_name")).isEqualTo("answers");
            assertThat(primary.systemIdentifier()).isEqualTo(primary.queryForLong("SELECT system_identifier FROM pg_control_system()"));
            assertThat(primary.conninfo()).isEqualTo("host=127.0.0.1 port=" + primary.port() + " user=postgres dbname=postgres");
            assertThat(primary.dataDirectory()).isDirectory().isEqualTo(primary.homeDirectory().resolve("data"));
        }
    }

    @Test
    void settingsOfTheOptionsAndAppendedLaterApply() {
        try (PostgresCluster primary = PostgresCluster.startPrimary("settings",
                OPTIONS.withSetting("application_name", "it's quoted").withWalSegmentSizeMb(2))) {
            assertThat(primary.queryForString("SHOW wal_segment_size")).isEqualTo("2MB");
            assertThat(primary.queryForString("SHOW application_name")).isEqualTo("pgbk-testkit");
            assertThat(primary.queryForString("SELECT reset_val FROM pg_settings WHERE name = 'application_name'"))
                    .isEqualTo("it's quoted");
            primary.appendConf(Map.of("work_mem", "7MB"));
            Deadline.after(Duration.ofSeconds(30), Clock.systemUTC()).await("the reload",
                    () -> "7MB".equals(primary.queryForString("SHOW work_mem")), () -> primary.logTail(20));
        }
    }

    @Test
    void aStandbyReplicatesThroughItsSlotAndCanBePromoted() {
        try (PostgresCluster primary = PostgresCluster.startPrimary("primary", OPTIONS);
             PostgresCluster standby = primary.createStandby("standby", StandbyOptions.streaming().withSlot("standby_slot"))) {
            primary.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('replicated')");
            standby.waitForCatchUp(primary);
            assertThat(standby.queryForString("SELECT v FROM t")).isEqualTo("replicated");
            assertThat(standby.queryForString("SELECT pg_is_in_recovery()")).isEqualTo("t");
            assertThat(standby.systemIdentifier()).isEqualTo(primary.systemIdentifier());
            assertThat(primary.queryForString("SELECT active FROM pg_replication_slots WHERE slot_name = 'standby_slot'"))
                    .isEqualTo("t");
            assertThat(primary.queryForString("SELECT application_name FROM pg_stat_replication")).isEqualTo("standby");

            standby.promote();

            standby.execute("INSERT INTO t VALUES ('written after promotion')");
            assertThat(standby.queryForLong("SELECT count(*) FROM t")).isEqualTo(2);
            assertThat(standby.queryForString("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")).isEqualTo("00000002");
        }
    }

    @Test
    void anArchiveOnlyStandbyReplaysWhatTheArchiveHolds() {
        try (TempDirectory archive = ServiceUser.forServers().createDirectory("archive");
             PostgresCluster primary = PostgresCluster.startPrimary("archiving", archiving(archive));
             PostgresCluster standby = primary.createStandby("from-archive",
                     StandbyOptions.archiveOnly("cp " + archive.path() + "/%f %p"))) {
            primary.execute("CREATE TABLE t AS SELECT 'archived' AS v");
            String switchedAt = primary.queryForString("SELECT pg_switch_wal()");

            standby.waitForReplay(switchedAt);

            assertThat(standby.queryForString("SELECT v FROM t")).isEqualTo("archived");
            assertThat(standby.queryForLong("SELECT count(*) FROM pg_stat_wal_receiver")).isZero();
            assertThat(primary.queryForLong("SELECT count(*) FROM pg_stat_replication")).isZero();
        }
    }

    @Test
    void aCrashedServerRecoversAtTheNextStart() {
        try (PostgresCluster primary = PostgresCluster.startPrimary("crashes", OPTIONS)) {
            primary.execute("CREATE TABLE t AS SELECT 42 AS v");
            primary.crash();
            assertThat(primary.isRunning()).isFalse();
            assertThat(primary.postmasterPid()).isEmpty();

            primary.start();

            assertThat(primary.queryForLong("SELECT v FROM t")).isEqualTo(42);
            assertThat(primary.logTail(40)).contains("database system was interrupted");

            primary.restart();
            assertThat(primary.logTail(10)).contains("database system was shut down at");
            assertThat(primary.queryForLong("SELECT v FROM t")).isEqualTo(42);
        }
    }

    @Test
    void twoClustersRunSideBySide() {
        try (PostgresCluster one = PostgresCluster.startPrimary("one", OPTIONS);
             PostgresCluster two = PostgresCluster.startPrimary("two", OPTIONS)) {
            assertThat(one.port()).isNotEqualTo(two.port());
            assertThat(one.dataDirectory()).isNotEqualTo(two.dataDirectory());
            assertThat(one.systemIdentifier()).isNotEqualTo(two.systemIdentifier());
            one.execute("CREATE TABLE only_in_one ()");
            assertThat(two.queryForLong("SELECT count(*) FROM pg_class WHERE relname = 'only_in_one'")).isZero();
            assertThat(one.queryForLong("SELECT count(*) FROM pg_class WHERE relname = 'only_in_one'")).isOne();
        }
    }

    @Test
    void aTakenPortIsReplacedAtStart() throws IOException {
        try (PostgresCluster cluster = PostgresCluster.initdb("port-taken", OPTIONS);
             ServerSocket squatter = new ServerSocket()) {
            int taken = cluster.port();
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));

            cluster.start();

            assertThat(cluster.port()).isNotEqualTo(taken);
            assertThat(cluster.queryForLong("SHOW port")).isEqualTo(cluster.port());
        }
    }

    @Test
    void closeStopsTheServerAndDeletesItsDirectory() {
        PostgresCluster cluster = PostgresCluster.startPrimary("closed", OPTIONS);
        long pid = cluster.postmasterPid().orElseThrow();
        Path home = cluster.homeDirectory();
        assertThat(isAlive(pid)).isTrue();

        cluster.close();

        assertThat(isAlive(pid)).isFalse();
        assertThat(home).doesNotExist();
    }

    @Test
    void aTestThatFailsMidwayStillStopsItsCluster() {
        AtomicLong pid = new AtomicLong();
        AtomicReference<Path> home = new AtomicReference<>();

        assertThatThrownBy(() -> {
            try (PostgresCluster cluster = PostgresCluster.startPrimary("fails-midway", OPTIONS)) {
                pid.set(cluster.postmasterPid().orElseThrow());
                home.set(cluster.homeDirectory());
                cluster.execute("SELECT * FROM no_such_table");
            }
        }).hasMessageContaining("no_such_table");

        assertThat(pid.get()).isPositive();
        assertThat(isAlive(pid.get())).isFalse();
        assertThat(home.get()).doesNotExist();
    }

    @Test
    void aServerThatCannotStartSaysWhyFromItsLog() {
        Path home;
        try (PostgresCluster cluster = PostgresCluster.initdb("bad-setting", OPTIONS.withSetting("shared_buffers", "lots"))) {
            home = cluster.homeDirectory();
            assertThatThrownBy(cluster::start)
                    .hasMessageContaining("exited while starting")
                    .hasMessageContaining("invalid value for parameter \"shared_buffers\"");
        }
        assertThat(home).doesNotExist();
    }

    @Test
    void aRoleWithAPasswordIsRefusedTheWrongOne() throws SQLException {
        try (PostgresCluster primary = PostgresCluster.startPrimary("passwords", OPTIONS)) {
            primary.requirePassword("app", "right one");
            String url = "jdbc:postgresql://" + primary.host() + ":" + primary.port() + "/postgres";

            assertThatThrownBy(() -> DriverManager.getConnection(url, "app", "wrong one").close())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed for user \"app\"");
            try (Connection connection = DriverManager.getConnection(url, "app", "right one")) {
                assertThat(connection.getMetaData().getUserName()).isEqualTo("app");
            }
            assertThat(primary.queryForString("SELECT current_user")).isEqualTo("postgres");
        }
    }

    @Test
    void aServerStartsOnADataDirectoryThatATestPreparedAndRecoversToItsTarget() throws IOException {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory archive = user.createDirectory("archive");
             TempDirectory target = user.createDirectory("prepared");
             PostgresCluster primary = PostgresCluster.startPrimary("source", archiving(archive))) {
            primary.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('in the backup')");
            Path data = target.path().resolve("data");
            user.run("pg_basebackup", List.of(primary.binaries().tool("pg_basebackup"), "-d", primary.conninfo(),
                    "-D", data.toString(), "-X", "stream", "-c", "fast"), target.path(),
                    new LogFile(target.path().resolve("pg_basebackup.log")), Duration.ofSeconds(60));
            primary.execute("INSERT INTO t VALUES ('before the target')");
            primary.execute("SELECT pg_create_restore_point('target')");
            primary.execute("INSERT INTO t VALUES ('after the target')");
            String segment = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
            Deadline.after(Duration.ofSeconds(60), Clock.systemUTC()).await("segment " + segment + " to be archived",
                    () -> Files.exists(archive.path().resolve(segment)), () -> primary.logTail(20));
            Files.createFile(data.resolve("recovery.signal"));

            try (PostgresCluster restored = PostgresCluster.restoredFrom(data, OPTIONS
                    .withSetting("restore_command", "cp " + archive.path() + "/%f %p")
                    .withSetting("archive_mode", "off")
                    .withSetting("recovery_target_name", "target")
                    .withSetting("recovery_target_action", "shutdown"))) {
                assertThat(restored.dataDirectory()).isEqualTo(data);
                restored.waitUntilStopped();
                assertThat(restored.isRunning()).isFalse();
                assertThat(restored.logTail(20)).contains("recovery stopping at restore point \"target\"");

                restored.appendConf(Map.of("recovery_target_action", "pause"));
                restored.start();
                restored.waitUntilRecoveryPaused();
                assertThat(restored.queryForLong("SELECT count(*) FROM t")).isEqualTo(2);

                restored.promote();
                restored.execute("INSERT INTO t VALUES ('after the promotion')");
                assertThat(restored.queryForLong("SELECT count(*) FROM t")).isEqualTo(3);
                assertThat(restored.systemIdentifier()).isEqualTo(primary.systemIdentifier());
            }
            assertThat(data.resolve("PG_VERSION")).exists();
            assertThat(data.resolve("postmaster.pid")).doesNotExist();
        }
    }

    @Test
    void aClusterLeftOpenIsStoppedAndDeletedAtJvmExit() throws Exception {
        OtherJvm jvm = OtherJvm.start("exit");
        try {
            assertThat(jvm.process().waitFor(60, TimeUnit.SECONDS)).as("the other JVM exits").isTrue();
            assertThat(isAlive(jvm.postmasterPid())).isFalse();
            assertThat(jvm.home()).doesNotExist();
        } finally {
            jvm.cleanUp();
        }
    }

    @Test
    void thePostmasterOfAKilledJvmIsStoppedAnyway() throws Exception {
        OtherJvm jvm = OtherJvm.start("wait");
        try {
            assertThat(isAlive(jvm.postmasterPid())).isTrue();

            jvm.process().destroyForcibly().waitFor();

            Deadline.after(Duration.ofSeconds(30), Clock.systemUTC())
                    .await("the postmaster of the killed JVM to stop", () -> !isAlive(jvm.postmasterPid()), () -> "");
        } finally {
            jvm.cleanUp();
        }
    }

    /** A JVM running {@link ClusterInAnotherJvm}, and what it reported about its cluster. */
    private record OtherJvm(Process process, long postmasterPid, Path home, TempDirectory scratch) {

        static OtherJvm start(String mode) throws IOException {
            TempDirectory scratch = ServiceUser.forServers().createDirectory("other-jvm-test");
            LogFile log = new LogFile(scratch.path().resolve("jvm.log"));
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ClusterInAnotherJvm.class.getName(), mode)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.path().toFile()))
                    .start();
            String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (line == null) {
                process.destroyForcibly();
                String output = log.tail(30);
                scratch.close();
                throw new IllegalStateException("the other JVM reported no cluster; its output:\n" + output);
            }
            String[] report = line.split(" ", 2);
            return new OtherJvm(process, Long.parseLong(report[0]), Path.of(report[1]), scratch);
        }

        /** Whatever the test found: no JVM, no postmaster, no directories are left behind. */
        void cleanUp() {
            process.destroyForcibly();
            ProcessHandle.of(postmasterPid)
                    .filter(postmaster -> postmaster.info().command().orElse("").endsWith("/postgres"))
                    .ifPresent(ProcessHandle::destroy);
            new TempDirectory(home).close();
            scratch.close();
        }
    }

    private static PostgresOptions archiving(TempDirectory archive) {
        return OPTIONS.withSetting("archive_mode", "on")
                .withSetting("archive_command", "cp %p " + archive.path() + "/%f");
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
