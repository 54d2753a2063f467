package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.repo.Repository;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL switch a standby's backup asks of the primary comes while the backup copies, not after
 * pg_backup_stop: archiving the backup's last segment (a process per segment, often) then overlaps
 * with the copy instead of adding to it.
 */
class EarlyWalSwitchTest {

    @TempDir
    Path root;
    @TempDir
    Path lockDirectory;

    @Test
    void theStandbysBackupAsksThePrimaryForItsWalSwitchBeforeTheCopyEnds() throws Exception {
        try (LocalObjectStore store = new LocalObjectStore(root.resolve("repo"));
             SpoolArchiver archiver = new SpoolArchiver(new WalArchive(Repository.open(store, "main"),
                     Compression.DEFAULT));
             PostgresCluster primary = PostgresCluster.startPrimary("earlyswitch", archiver.primaryOptions()
                     .withSetting("log_statement", "all")
                     .withSetting("log_line_prefix", "%a "));
             PostgresCluster standby = primary.createStandby("earlyswitchstandby", StandbyOptions.streaming())) {
            Repository repository = Repository.open(store, "main");
            primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
            primary.execute("SELECT pg_switch_wal()"); // creates cluster.json through the archiver
            StandbyBackupTest.awaitClusterInfo(repository);
            standby.waitForCatchUp(primary);
            primary.execute("CHECKPOINT"); // gives the standby a restartpoint to start its backup from
            AtomicBoolean firstPart = new AtomicBoolean(true);
            AtomicBoolean switchedWhileCopying = new AtomicBoolean();
            // the first part is written while the copy runs: it waits there for the switch, or fails the test
            Repository watched = Repository.open(new FaultyStore(store, key -> {
                if (key.contains("/parts/") && firstPart.getAndSet(false)) {
                    switchedWhileCopying.set(awaitSwitchByPgbk(primary));
                }
            }), "main");

            BackupManifest backup = new BackupEngine(watched, new ClusterEndpoint(standby),
                    Optional.of(new ClusterEndpoint(primary)), BackupOptions.defaults(standby.dataDirectory(),
                    lockDirectory), Clock.systemUTC()).run(new BackupProgress());

            assertThat(switchedWhileCopying).as("pgbk's pg_switch_wal on the primary while the copy ran, in:%n%s",
                    primary.logTail(40)).isTrue();
            assertThat(backup.type()).isEqualTo(BackupType.FULL);
            assertThat(backup.source().standby()).isTrue();
            StandbyBackupTest.assertPartsVerify(repository, backup);
        }
    }

    /** Whether the primary's log shows pgbk's pg_switch_wal within 30 s. */
    private static boolean awaitSwitchByPgbk(PostgresCluster primary) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            // log_line_prefix names the application; pgjdbc's statements log as "execute <unnamed>: ..."
            boolean seen = primary.logTail(10_000).lines().anyMatch(line -> line.startsWith(ClusterEndpoint.APPLICATION
                    + " ") && line.endsWith(": SELECT pg_switch_wal()"));
            if (seen) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
