package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standby's backup whose stop LSN (the standby's minimum recovery point) is the end of a WAL
 * switch, the very start of a segment, on an idle primary: recovery to 'immediate' reads the
 * record after the stop LSN, so the backup is complete only once that segment holds one and is
 * archived. Before pgbk wrote that record itself, such a restore failed with "recovery ended
 * before configured recovery target was reached".
 */
class SegmentBoundaryBackupTest {

    private static final int ATTEMPTS = 4;

    @TempDir
    Path root;
    @TempDir
    Path lockDirectory;

    @Test
    void aStandbysBackupStoppingAtTheStartOfASegmentRestoresToImmediate() throws Exception {
        try (LocalObjectStore store = new LocalObjectStore(root.resolve("repo"));
             SpoolArchiver archiver = new SpoolArchiver(new WalArchive(Repository.open(store, "main"),
                     Compression.DEFAULT));
             PostgresCluster primary = PostgresCluster.startPrimary("boundary",
                     archiver.primaryOptions().withSetting("autovacuum", "off"));
             PostgresCluster standby = primary.createStandby("boundarystandby", StandbyOptions.streaming())) {
            Repository repository = Repository.open(store, "main");
            primary.execute("CREATE TABLE t (id int)");
            primary.execute("SELECT pg_switch_wal()"); // creates cluster.json through the archiver
            StandbyBackupTest.awaitClusterInfo(repository);
            WalSegmentSize segmentSize = repository.clusterInfo().orElseThrow().walSegmentSize();
            BackupEngine engine = new BackupEngine(repository, new ClusterEndpoint(standby),
                    Optional.of(new ClusterEndpoint(primary)),
                    BackupOptions.defaults(standby.dataDirectory(), lockDirectory), Clock.systemUTC());

            // the bgwriter's running-transactions record, every 15 s, can land between the switch and
            // the backup's stop: then the stop is not at a boundary, and the scene is set again
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                Lsn boundary = standbyStoppedAtASwitch(primary, standby, attempt, segmentSize);
                BackupManifest backup = engine.run(new BackupProgress());
                if (!backup.stopLsn().equals(boundary)) {
                    continue;
                }
                try (TempDirectory home = ServiceUser.forServers().createDirectory("restore");
                     TempDirectory wal = ServiceUser.forServers().createDirectory("walfetch");
                     PostgresCluster restored = new ManifestExtraction(repository).recover(backup,
                             home.path().resolve("data"), wal.path(), Map.of())) {
                    assertThat(restored.queryForLong("SELECT count(*) FROM t")).isEqualTo(attempt);
                }
                return;
            }
            fail("in " + ATTEMPTS + " attempts, no backup stopped at the end of the primary's WAL switch");
        }
    }

    /**
     * Writes a row, switches WAL on the primary and has the standby write that page out after
     * replaying the switch: its minimum recovery point, which a standby's pg_backup_stop returns,
     * becomes the end of the switch as replay counts it: the start of the next segment. Returns it.
     */
    private static Lsn standbyStoppedAtASwitch(PostgresCluster primary, PostgresCluster standby, int row,
            WalSegmentSize segmentSize) {
        primary.execute("CHECKPOINT"); // a restartpoint for the standby, which writes the dirty page out
        primary.execute("INSERT INTO t VALUES (" + row + ")");
        // pg_switch_wal returns the end of the switch record itself, inside the segment it ends
        Lsn switched = Lsn.parse(primary.queryForString("SELECT pg_switch_wal()::text"));
        standby.waitForCatchUp(primary);
        standby.execute("CHECKPOINT");
        return switched.segmentStart(segmentSize).plus(segmentSize.bytes());
    }
}
