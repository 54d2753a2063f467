package io.pgbk.cli.command.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.cli.InProcessRun;
import io.pgbk.cli.PgbkInstallation;
import io.pgbk.cli.background.BackgroundWorkers;
import io.pgbk.core.backup.BackupEngine;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.backup.BackupProgress;
import io.pgbk.core.backup.DatabaseEndpoint;
import io.pgbk.core.backup.SourcePolicy;
import io.pgbk.core.repo.Repository;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * `pgbk restore` as a user runs it: through the installed launcher, the restored server fetching
 * its WAL with the restore_command pgbk wrote (pgbk wal-fetch), started by --start. One primary
 * archiving with pgbk wal-push, one backup, several restores.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreIT {

    private final ServiceUser user = ServiceUser.forServers();
    private PgbkInstallation pgbk;
    private TempDirectory work;
    private Path config;
    private PostgresCluster primary;
    private long xidOfRow3;

    @BeforeAll
    void backUpALedger() throws IOException {
        pgbk = PgbkInstallation.create();
        work = user.createDirectory("restore-it");
        Path repository = Files.createDirectory(work.path().resolve("repository"));
        config = Files.writeString(work.path().resolve("pgbk.yaml"), "repo: " + repository + "\ncluster: main\n");
        user.takeOwnership(work.path());
        primary = PostgresCluster.startPrimary("restore-primary", PostgresOptions.defaults()
                .withSetting("archive_mode", "on")
                .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p")));
        primary.execute("CREATE TABLE ledger (n int PRIMARY KEY, xid bigint DEFAULT txid_current())");
        primary.switchWalAndAwaitArchived();
        try (LocalObjectStore store = new LocalObjectStore(repository)) {
            new BackupEngine(Repository.open(store, "main"), endpoint(), Optional.empty(),
                    BackupOptions.defaults(primary.dataDirectory(), work.path().resolve("lock"))
                            .withFrom(SourcePolicy.PRIMARY), Clock.systemUTC()).run(new BackupProgress());
        }
        for (int n = 1; n <= 5; n++) {
            primary.execute("INSERT INTO ledger (n) VALUES (" + n + ")");
        }
        xidOfRow3 = primary.queryForLong("SELECT xid FROM ledger WHERE n = 3");
        primary.switchWalAndAwaitArchived();
    }

    @AfterAll
    void tearDown() {
        try (PgbkInstallation installed = pgbk; TempDirectory directory = work; PostgresCluster server = primary) {
            // closed in reverse order
        }
    }

    @Test
    void restoresToATransactionStartsPostgresAndReportsWhereRecoveryStopped() throws IOException {
        Path pgdata = work.path().resolve("to-xid");
        int port = FreePorts.next();
        PgbkInstallation.Result result = pgbk.run(work.path(), Map.of(), "--config", config.toString(), "restore",
                "--pgdata", pgdata.toString(), "--target-xid", Long.toString(xidOfRow3), "--start",
                "--port", Integer.toString(port), "--pgbk-command", pgbk.launcher().toString());
        try {
            assertThat(result.status()).as(result.err()).isZero();
            assertThat(result.out()).contains("the newest backup", "recovery promoted", "last replayed LSN",
                    "recovery stopping after commit of transaction " + xidOfRow3);
            assertThat(Files.readAllLines(pgdata.resolve("postgresql.auto.conf"))
                    .stream().filter(line -> line.startsWith("restore_command")).findFirst().orElseThrow())
                    .contains(pgbk.launcher().toString(), "--config " + config, "wal-fetch %f %p");
            assertThat(query(port, "SELECT count(*) FROM ledger")).isEqualTo(3);
            assertThat(query(port, "SELECT count(*) FROM pg_settings WHERE name = 'archive_mode' AND setting = 'off'"))
                    .isEqualTo(1);
        } finally {
            stopServer(pgdata);
        }
    }

    @Test
    void withStartTheRestoreStartsThePrefetcherSoThatRecoveryStartsNoJvmOfItsOwn() throws IOException {
        Path spool = work.path().resolve("spool");
        Path prefetching = Files.writeString(work.path().resolve("prefetching.yaml"),
                Files.readString(config) + "spool-path: " + spool + "\nprefetch: 4\n");
        Path jvms = Files.createDirectory(work.path().resolve("jvms"));
        user.takeOwnership(work.path());
        Path pgdata = work.path().resolve("prefetched");
        int port = FreePorts.next();
        // Every JVM started from here on (restore, prefetcher, any restore_command) logs to a file named after its pid.
        Map<String, String> environment = Map.of("JAVA_TOOL_OPTIONS", "-Xlog:gc:file=" + jvms + "/%p.log");
        PgbkInstallation.Result result = PgbkInstallation.run(user.command(List.of(pgbk.launcher().toString(),
                "--config", prefetching.toString(), "restore", "--pgdata", pgdata.toString(), "--target-xid",
                Long.toString(xidOfRow3), "--start", "--port", Integer.toString(port), "--pgbk-command",
                pgbk.launcher().toString())), work.path(), environment);
        try {
            assertThat(result.status()).as(result.err()).isZero();
            assertThat(query(port, "SELECT count(*) FROM ledger")).isEqualTo(3);
            String prefetcher = Files.readAllLines(spool.resolve("archive/main/prefetch.lock")).get(0).strip();
            try (Stream<Path> logs = Files.list(jvms)) {
                assertThat(logs.map(log -> log.getFileName().toString()).toList())
                        .as("the restore's JVM and the prefetcher's, started by the restore; none from restore_command")
                        .hasSize(2).contains(prefetcher + ".log");
            }
        } finally {
            stopServer(pgdata);
            BackgroundWorkers.stopAll(prefetching);
        }
    }

    @Test
    void aTargetBeyondTheArchivedWalFailsWithPostgresMessage() {
        Path pgdata = work.path().resolve("beyond");
        PgbkInstallation.Result result = pgbk.run(work.path(), Map.of(), "--config", config.toString(), "restore",
                "--pgdata", pgdata.toString(), "--target-xid", "4000000", "--start",
                "--port", Integer.toString(FreePorts.next()), "--pgbk-command", pgbk.launcher().toString());
        try {
            assertThat(result.status()).isEqualTo(1);
            assertThat(result.errLines()).last().asString()
                    .contains("recovery ended before configured recovery target was reached");
        } finally {
            stopServer(pgdata);
        }
    }

    @Test
    void badRequestsAreOneLineErrorsThatLeaveTheDirectoryAlone() throws IOException {
        Path pgdata = Files.createDirectories(work.path().resolve("untouched"));
        Files.writeString(pgdata.resolve("PG_VERSION"), "15\n");
        Map<String, String> before = snapshot(pgdata);
        List<List<String>> requests = List.of(
                List.of("--target-time", "2026-11-29 12:00:00+00", "--target-xid", "7"),
                List.of("--target-time", "noon yesterday"),
                List.of("--target-time", "2026-11-29 12:00:00"),
                List.of("--target-xid", "7"),
                List.of("--target", "immediate", "--delta", "--force"));
        List<String> messages = List.of("choose one recovery target, not --target-time and --target-xid",
                "invalid target time 'noon yesterday'", "has no time zone", "is not empty",
                "choose --delta or --force, not both");
        for (int i = 0; i < requests.size(); i++) {
            List<String> args = new java.util.ArrayList<>(List.of("--config", config.toString(), "restore",
                    "--pgdata", pgdata.toString()));
            args.addAll(requests.get(i));
            InProcessRun run = InProcessRun.of(Map.of(), work.path().resolve("none.yaml"), args.toArray(String[]::new));
            assertThat(run.status()).as(run.err()).isEqualTo(1);
            assertThat(run.errLines()).hasSize(1).first().asString().startsWith("pgbk: ").contains(messages.get(i));
            assertThat(snapshot(pgdata)).isEqualTo(before);
        }
    }

    private DatabaseEndpoint endpoint() {
        return new DatabaseEndpoint() {
            @Override
            public Connection connect() throws SQLException {
                return primary.connect();
            }

            @Override
            public String host() {
                return primary.host();
            }

            @Override
            public int port() {
                return primary.port();
            }
        };
    }


    private void stopServer(Path pgdata) {
        if (Files.exists(pgdata.resolve("postmaster.pid"))) {
            user.run("pg_ctl stop", List.of(primary.binaries().tool("pg_ctl"), "stop", "-D", pgdata.toString(),
                    "-m", "immediate"), work.path(), new LogFile(work.path().resolve("pg_ctl.log")), Duration.ofMinutes(1));
        }
    }

    private static long query(int port, String sql) {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                properties); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> snapshot(Path root) {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                String content = "directory";
                if (Files.isRegularFile(path)) {
                    try (InputStream in = Files.newInputStream(path)) {
                        content = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                }
                entries.put(root.relativize(path).toString(), content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }
}
