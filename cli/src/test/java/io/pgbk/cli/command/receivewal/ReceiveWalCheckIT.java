package io.pgbk.cli.command.receivewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.cli.PgbkInstallation;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.receiver.spool.ArchiveConsumer;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * `pgbk receive-wal --check` as monitoring runs it: unhealthy with one line of reason for a
 * missing slot, an unreachable primary or DCS, and a gap recorded in the repository (which also
 * fails `pgbk check`, with the range); healthy otherwise.
 */
class ReceiveWalCheckIT {

    @Test
    void reportsTheStreamAndFailsWithOneReason() throws Exception {
        try (PgbkInstallation pgbk = PgbkInstallation.create();
             TempDirectory work = new TempDirectory(Files.createTempDirectory("receive-wal-check-"));
             PostgresCluster primary = PostgresCluster.startPrimary("receive-check", PostgresOptions.defaults()
                     .withWalSegmentSizeMb(1))) {
            Path repository = Files.createDirectory(work.path().resolve("repository"));
            String common = "repo: " + repository + "\ncluster: main\narchive-timeout: 1\nspool-path: " + work.path().resolve("spool") + "\n";
            Path config = Files.writeString(work.path().resolve("pgbk.yaml"), common + "db: " + primary.conninfo() + "\n");

            PgbkInstallation.Result noSlot = run(pgbk, work.path(), config, "receive-wal", "--check");
            assertThat(noSlot.status()).as(noSlot.err()).isOne();
            assertThat(noSlot.errLines()).hasSize(1);
            assertThat(noSlot.err()).contains("replication slot pgbk does not exist on the primary");

            assertThat(run(pgbk, work.path(), config, "receive-wal", "--create-slot").status()).isZero();
            PgbkInstallation.Result healthy = run(pgbk, work.path(), config, "receive-wal", "--once");
            assertThat(healthy.status()).as(healthy.out() + healthy.err()).isZero();
            assertThat(healthy.out()).contains("gaps: none recorded", "primary: ", "slot pgbk: restart_lsn", "healthy");

            PgbkInstallation.Result deadPrimary = run(pgbk, work.path(), config, "receive-wal", "--check",
                    "--db", "host=127.0.0.1 port=" + FreePorts.next() + " user=postgres");
            assertThat(deadPrimary.status()).isOne();
            assertThat(deadPrimary.errLines()).hasSize(1);
            assertThat(deadPrimary.err()).contains("primary unreachable");

            Path dcsConfig = Files.writeString(work.path().resolve("dcs.yaml"), common);
            PgbkInstallation.Result deadDcs = run(pgbk, work.path(), dcsConfig, "receive-wal", "--check",
                    "--primary-from", "etcd://127.0.0.1:" + FreePorts.next() + "/service/x");
            assertThat(deadDcs.status()).isOne();
            assertThat(deadDcs.errLines()).hasSize(1);
            assertThat(deadDcs.err()).contains("DCS unreachable");

            try (LocalObjectStore store = new LocalObjectStore(repository)) {
                Repository repo = Repository.open(store, "main");
                new ArchiveConsumer(new WalArchive(repo, Compression.DEFAULT), repo).recordGap(new WalGap(
                        new WalPosition(TimelineId.FIRST, Lsn.parse("0/3000000")),
                        new WalPosition(TimelineId.FIRST, Lsn.parse("0/5000000")), Instant.now(), primary.conninfo(),
                        "a test"));
            }
            PgbkInstallation.Result gap = run(pgbk, work.path(), config, "receive-wal", "--check");
            assertThat(gap.status()).isOne();
            assertThat(gap.errLines()).hasSize(1);
            assertThat(gap.err()).contains("1 WAL gap(s) recorded", "WAL from 0/3000000 on timeline 1 to 0/5000000");
            assertThat(gap.out()).contains("gap: WAL from 0/3000000 on timeline 1 to 0/5000000 on timeline 1");

            PgbkInstallation.Result check = run(pgbk, work.path(), config, "check");
            assertThat(check.status()).isOne();
            assertThat(check.out().lines()).anySatisfy(line -> assertThat(line).startsWith("wal gaps")
                    .contains("FAILED", "WAL from 0/3000000 on timeline 1 to 0/5000000 on timeline 1"));
        }
    }

    private static PgbkInstallation.Result run(PgbkInstallation pgbk, Path work, Path config, String... arguments) {
        String[] all = new String[arguments.length + 2];
        all[0] = "--config";
        all[1] = config.toString();
        System.arraycopy(arguments, 0, all, 2, arguments.length);
        return pgbk.run(work, Map.of(), all);
    }
}
