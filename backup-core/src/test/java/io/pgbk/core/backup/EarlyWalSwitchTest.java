package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.PushResult;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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

    /**
     * The primary's archiving lags behind by the segment the early switch ended: the backup stores
     * that segment from the standby's pg_wal rather than wait for it, and the primary's push of the
     * same segment, once archiving resumes, finds identical content (byte for byte) and succeeds.
     */
    @Test
    void theStopSegmentIsStoredFromTheStandbyWhenArchivingLagsBehindByIt() throws Exception {
        try (LocalObjectStore store = new LocalObjectStore(root.resolve("repo"));
             SpoolArchiver archiver = new SpoolArchiver(new WalArchive(Repository.open(store, "main"),
                     Compression.DEFAULT));
             PostgresCluster primary = PostgresCluster.startPrimary("laggingarchive", archiver.primaryOptions());
             PostgresCluster standby = primary.createStandby("laggingarchivestandby", StandbyOptions.streaming())) {
            Repository repository = Repository.open(store, "main");
            primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
            primary.execute("SELECT pg_switch_wal()");
            StandbyBackupTest.awaitClusterInfo(repository);
            standby.waitForCatchUp(primary);
            primary.execute("CHECKPOINT");
            String current = primary.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())");
            WalSegmentSize segmentSize = repository.clusterInfo().orElseThrow().walSegmentSize();
            WalSegmentName previous = WalSegmentName.ofSegmentNumber(TimelineId.FIRST,
                    WalSegmentName.parse(current).segmentNumber(segmentSize) - 1, segmentSize);
            new Poll(Duration.ofSeconds(30)).until("the archive to hold " + previous,
                    () -> new WalArchive(repository, Compression.DEFAULT).stat(previous.toString()).isPresent());
            archiver.hold();

            BackupManifest backup = new BackupEngine(repository, new ClusterEndpoint(standby),
                    Optional.of(new ClusterEndpoint(primary)), BackupOptions.defaults(standby.dataDirectory(),
                    lockDirectory).withArchiveTimeout(Duration.ofSeconds(10)), Clock.systemUTC())
                    .run(new BackupProgress());

            String stopSegment = WalSegmentName.from(backup.stopTimeline(), backup.stopLsn(), segmentSize).toString();
            assertThat(stopSegment).isEqualTo(current);
            assertThat(archiver.holds(stopSegment)).as("the primary's copy waits in the held spool").isTrue();
            archiver.release();
            new Poll(Duration.ofSeconds(30)).until("the primary's push of " + stopSegment,
                    () -> archiver.pushed().containsKey(stopSegment));
            assertThat(archiver.pushed()).containsEntry(stopSegment, PushResult.Outcome.ALREADY_ARCHIVED);
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
