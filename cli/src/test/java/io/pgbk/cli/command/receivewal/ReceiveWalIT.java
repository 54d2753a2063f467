package io.pgbk.cli.command.receivewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.cli.PgbkInstallation;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * `pgbk receive-wal` as an operator runs it, through the installed launcher against a fixed
 * server: the slot commands, streaming into the repository, kill -9 in the middle of a segment and
 * a restart (every segment stored afterwards as the primary wrote it, none missing), and SIGTERM
 * ending it with exit 0.
 */
class ReceiveWalIT {

    private static final Poll SOON = new Poll(Duration.ofSeconds(60));
    private static final WalSegmentSize MIB = WalSegmentSize.ofBytes(1024 * 1024);

    @Test
    void createsTheSlotStreamsSurvivesKillNineAndStopsCleanlyOnSigterm() throws Exception {
        try (PgbkInstallation pgbk = PgbkInstallation.create();
             TempDirectory work = new TempDirectory(Files.createTempDirectory("receive-wal-it-"));
             PostgresCluster primary = PostgresCluster.startPrimary("receive-wal", PostgresOptions.defaults()
                     .withWalSegmentSizeMb(1).withSetting("wal_keep_size", "64MB"))) {
            Path repository = Files.createDirectory(work.path().resolve("repository"));
            Path config = Files.writeString(work.path().resolve("pgbk.yaml"), String.join("\n",
                    "repo: " + repository, "cluster: main", "spool-path: " + work.path().resolve("spool"),
                    "db: " + primary.conninfo(), ""));
            String slots = "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgbk'";

            PgbkInstallation.Result created = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                    "receive-wal", "--create-slot");
            assertThat(created.status()).as(created.err()).isZero();
            assertThat(created.out()).contains("created replication slot pgbk");
            assertThat(primary.queryForLong(slots)).isOne();

            PgbkInstallation.Result both = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                    "receive-wal", "--primary-from", "etcd://127.0.0.1:1/service/x");
            assertThat(both.status()).isOne();
            assertThat(both.err()).contains("exactly one of --primary-from");

            Path err = work.path().resolve("receive-wal.err");
            Process receiver = startReceiver(pgbk, config, work.path(), err);
            String first;
            try {
                primary.execute("CREATE TABLE t (n int)");
                primary.execute("INSERT INTO t SELECT generate_series(1, 1000)");
                first = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
                SOON.until(first + " in the repository", () -> Files.exists(stored(repository, first)), () -> read(err));

                primary.execute("INSERT INTO t SELECT generate_series(1, 2000)");
                String written = primary.queryForString("SELECT pg_current_wal_lsn()");
                SOON.until("the receiver to get WAL into the middle of a segment", () -> primary.queryForLong(
                        "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pgbk' AND write_lsn >= '"
                                + written + "'") == 1, () -> read(err));
                receiver.destroyForcibly(); // kill -9 mid-segment
                assertThat(receiver.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                receiver.destroyForcibly();
            }

            Path err2 = work.path().resolve("receive-wal-2.err");
            Process restarted = startReceiver(pgbk, config, work.path(), err2);
            String last;
            try {
                primary.execute("INSERT INTO t SELECT generate_series(1, 1000)");
                primary.execute("SELECT pg_switch_wal()");
                primary.execute("INSERT INTO t SELECT generate_series(1, 1000)");
                last = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
                SOON.until(last + " in the repository", () -> Files.exists(stored(repository, last)), () -> read(err2));

                restarted.destroy(); // SIGTERM
                assertThat(restarted.waitFor(30, TimeUnit.SECONDS)).as(read(err2)).isTrue();
                assertThat(restarted.exitValue()).as(read(err2)).isZero();
                assertThat(read(err2)).contains("connected to primary", "SIGTERM received", "WAL receiver stopped");
            } finally {
                restarted.destroyForcibly();
            }
            try (LocalObjectStore store = new LocalObjectStore(repository)) {
                WalArchive archive = new WalArchive(Repository.open(store, "main"), Compression.DEFAULT);
                WalSegmentName end = WalSegmentName.parse(last).next(MIB);
                for (WalSegmentName segment = WalSegmentName.parse(first); !segment.equals(end); segment = segment.next(MIB)) {
                    Path fetched = work.path().resolve("fetched-" + segment);
                    assertThat(archive.fetch(segment.toString(), fetched)).as(segment + " archived").isTrue();
                    assertThat(Files.readAllBytes(fetched)).as(segment + " as the primary wrote it")
                            .isEqualTo(Files.readAllBytes(primary.dataDirectory().resolve("pg_wal/" + segment)));
                }
            }

            PgbkInstallation.Result dropped = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                    "receive-wal", "--drop-slot");
            assertThat(dropped.status()).as(dropped.err()).isZero();
            assertThat(primary.queryForLong(slots)).isZero();
        }
    }

    private static Process startReceiver(PgbkInstallation pgbk, Path config, Path work, Path err) throws IOException {
        return new ProcessBuilder(pgbk.launcher().toString(), "--config", config.toString(), "receive-wal",
                "--status-interval", "1")
                .directory(work.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
    }

    private static Path stored(Path repository, String segment) {
        return repository.resolve("main/wal/" + segment.substring(0, 16) + "/" + segment);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
