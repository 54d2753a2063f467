package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.restore.RestoreEngine;
import io.pgbk.core.restore.RestoreMode;
import io.pgbk.core.restore.RestoreRequest;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stream-mode backups: pg_basebackup from a real standby under load, restored by the restore engine. */
class StreamBackupTest {

    private static final String DIGEST = "SELECT md5(string_agg(id || h, ',' ORDER BY id)) FROM ";

    @TempDir
    Path repositoryRoot;
    @TempDir
    Path lockDirectory;

    @Test
    void streamsAStandbyUnderLoadAndRestoresToThePrimarysData() throws Exception {
        try (LocalObjectStore store = new LocalObjectStore(repositoryRoot)) {
            Repository repository = Repository.open(store, "main");
            try (SpoolArchiver archiver = new SpoolArchiver(new WalArchive(repository, Compression.DEFAULT));
                 PostgresCluster primary = PostgresCluster.startPrimary("streamprimary", archiver.primaryOptions());
                 PostgresCluster standby = primary.createStandby("streamstandby", StandbyOptions.streaming())) {
                primary.execute("CREATE TABLE fixed AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 20000) g");
                primary.execute("CREATE TABLE rising (id bigint PRIMARY KEY, h text NOT NULL)");
                primary.execute("SELECT pg_switch_wal()");
                StandbyBackupTest.awaitClusterInfo(repository);
                standby.waitForCatchUp(primary);
                primary.execute("CHECKPOINT"); // gives the standby a restartpoint to start its backup from
                Path standbyFile = standby.dataDirectory().resolve(primary.queryForString(
                        "SELECT pg_relation_filepath('fixed')"));

                BackupManifest backup;
                try (StandbyBackupTest.Load load = new StandbyBackupTest.Load(primary)) {
                    load.awaitRows(200);
                    backup = BackupEngine.streaming(repository, new ClusterEndpoint(standby),
                            new BaseBackupCommand(standby.binaries().binDirectory(), standby.conninfo(),
                                    Optional.empty()),
                            Optional.of(new ClusterEndpoint(primary)),
                            BackupOptions.defaults(null, lockDirectory).withPartTargetSize(512 * 1024),
                            Clock.systemUTC()).run(new BackupProgress());
                    assertThat(load.rows()).as("rows written while the backup ran").isGreaterThan(200);
                }

                assertThat(backup.type()).isEqualTo(BackupType.FULL);
                assertThat(backup.source().standby()).isTrue();
                assertThat(backup.source().port()).isEqualTo(standby.port());
                assertThat(backup.backupLabel()).contains("LABEL: pgbk backup " + backup.id(), "BACKUP FROM: standby");
                assertThat(backup.stopLsn()).isGreaterThan(backup.startLsn());
                assertThat(backup.files().get(backup.files().size() - 1).path()).isEqualTo("global/pg_control");
                assertThat(backup.files()).extracting(file -> file.path())
                        .contains("PG_VERSION", "pg_wal", "pg_wal/archive_status")
                        .doesNotContain("backup_label", "backup_manifest", "standby.signal", "postmaster.pid");
                assertThat(backup.file(standby.dataDirectory().relativize(standbyFile).toString())).isPresent();
                assertThat(backup.parts()).hasSizeGreaterThan(2);
                assertThat(backup.dataChecksums()).isTrue();
                assertThat(backup.filesWithCorruptPages()).isEmpty();
                StandbyBackupTest.assertPartsVerify(repository, backup);
                assertThat(new Catalog(repository).ids()).containsExactly(backup.id());

                restoreAndCompare(repository, backup, primary);
            }
        }
    }

    /**
     * An unreachable node, a pg_basebackup that fails (wrong password), a cluster with a
     * tablespace and a pg_basebackup that reaches another cluster are one line each and leave
     * nothing in the repository; with the right password, passed through the child's
     * environment, the backup succeeds and reports a page damaged on disk by file and block.
     */
    @Test
    void failuresLeaveNoBackupThenAPasswordedBackupReportsADamagedPage() throws Exception {
        try (LocalObjectStore store = new LocalObjectStore(repositoryRoot)) {
            Repository repository = Repository.open(store, "main");
            try (SpoolArchiver archiver = new SpoolArchiver(new WalArchive(repository, Compression.DEFAULT));
                 PostgresCluster primary = PostgresCluster.startPrimary("streamfail", PostgresOptions.defaults()
                         .withSetting("archive_mode", "on").withSetting("archive_command", archiver.archiveCommand()))) {
                primary.execute("CREATE TABLE victim AS SELECT g FROM generate_series(1, 100) g");
                String victim = primary.queryForString("SELECT pg_relation_filepath('victim')");
                primary.execute("CHECKPOINT");
                primary.stop();
                try (RandomAccessFile file = new RandomAccessFile(primary.dataDirectory().resolve(victim).toFile(), "rw")) {
                    file.seek(5000); // inside the tuples of block 0: the header and its LSN stay intact
                    file.write(new byte[] {0x55, 0x55, 0x55, 0x55});
                }
                primary.start();
                primary.execute("SELECT pg_switch_wal()");
                StandbyBackupTest.awaitClusterInfo(repository);
                primary.requirePassword("backup", "right-password");
                BackupOptions options = BackupOptions.defaults(null, lockDirectory).withFrom(SourcePolicy.PRIMARY);
                Path bin = primary.binaries().binDirectory();
                String asBackup = "host=" + primary.host() + " port=" + primary.port() + " user=backup dbname=postgres";

                int nobody = FreePorts.next();
                DatabaseEndpoint unreachable = new DatabaseEndpoint() {
                    @Override
                    public Connection connect() throws SQLException {
                        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + nobody
                                + "/postgres?user=postgres&connectTimeout=5");
                    }

                    @Override
                    public String host() {
                        return primary.host();
                    }

                    @Override
                    public int port() {
                        return nobody;
                    }
                };
                assertThatThrownBy(() -> BackupEngine.streaming(repository, unreachable,
                        new BaseBackupCommand(bin, "host=127.0.0.1 port=" + nobody, Optional.empty()), Optional.empty(),
                        options, Clock.systemUTC()).run(new BackupProgress()))
                        .isInstanceOf(PgbkException.class)
                        .hasMessageStartingWith("cannot connect to PostgreSQL at 127.0.0.1:" + nobody + ": ");

                assertThatThrownBy(() -> BackupEngine.streaming(repository, new ClusterEndpoint(primary),
                        new BaseBackupCommand(bin, asBackup, Optional.of("wrong-password")), Optional.empty(), options,
                        Clock.systemUTC()).run(new BackupProgress()))
                        .isInstanceOf(PgbkException.class)
                        .hasMessageStartingWith("pg_basebackup from 127.0.0.1:" + primary.port()
                                + " failed (exit status 1): ")
                        .hasMessageContaining("password authentication failed for user \"backup\"")
                        .hasMessageNotContaining("wrong-password")
                        .hasMessageNotContaining("\n");

                try (TempDirectory location = ServiceUser.forServers().createDirectory("stream-tablespace")) {
                    primary.execute("CREATE TABLESPACE elsewhere LOCATION '" + location.path() + "'");
                    assertThatThrownBy(() -> BackupEngine.streaming(repository, new ClusterEndpoint(primary),
                            new BaseBackupCommand(bin, primary.conninfo(), Optional.empty()), Optional.empty(), options,
                            Clock.systemUTC()).run(new BackupProgress()))
                            .isInstanceOf(PgbkException.class)
                            .hasMessage("127.0.0.1:" + primary.port() + " has 1 tablespace(s): stream mode backs up "
                                    + "clusters without tablespaces only; use local mode (pgbk on the node)");
                    primary.execute("DROP TABLESPACE elsewhere");
                }

                // a load balancer sending pg_basebackup elsewhere than the checked session
                try (PostgresCluster other = PostgresCluster.startPrimary("streamother", PostgresOptions.defaults())) {
                    assertThatThrownBy(() -> BackupEngine.streaming(repository, new ClusterEndpoint(primary),
                            new BaseBackupCommand(bin, other.conninfo(), Optional.empty()), Optional.empty(), options,
                            Clock.systemUTC()).run(new BackupProgress()))
                            .isInstanceOf(PgbkException.class)
                            .hasMessageStartingWith("pg_basebackup reached system " + Long.toUnsignedString(
                                    other.systemIdentifier()) + " through 127.0.0.1:" + primary.port())
                            .hasMessageEndingWith("refusing to mix clusters");
                }

                assertThat(new Catalog(repository).ids()).isEmpty();
                assertThat(repository.list(BackupManifest.BACKUPS)).extracting(ObjectInfo::key)
                        .as("nothing left of the failed backups").isEmpty();

                BackupManifest backup = BackupEngine.streaming(repository, new ClusterEndpoint(primary),
                        new BaseBackupCommand(bin, asBackup, Optional.of("right-password")), Optional.empty(), options,
                        Clock.systemUTC()).run(new BackupProgress());
                assertThat(backup.source().standby()).isFalse();
                assertThat(backup.filesWithCorruptPages()).singleElement().satisfies(file -> {
                    assertThat(file.path()).isEqualTo(victim);
                    assertThat(file.corruptBlocks()).containsExactly(0);
                });
                assertThat(new Catalog(repository).ids()).containsExactly(backup.id());
            }
        }
    }

    /**
     * Restores with the restore engine into an empty directory, recovers to the end of the backup
     * with WAL copied from the repository, and compares with the primary: the fixed table whole,
     * and the rows the load had written by then, each as the primary has it.
     */
    private static void restoreAndCompare(Repository repository, BackupManifest backup, PostgresCluster primary)
            throws IOException, SQLException {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory home = user.createDirectory("stream-restore");
             TempDirectory wal = user.createDirectory("stream-walfetch")) {
            WalArchive archive = new WalArchive(repository, Compression.DEFAULT);
            for (ObjectInfo object : repository.list("wal/")) {
                String name = Path.of(object.key()).getFileName().toString();
                archive.fetch(name, wal.path().resolve(name));
            }
            user.takeOwnership(wal.path());
            Path data = home.path().resolve("data");
            RecoveryConfiguration recovery = new RecoveryConfiguration(List.of("cp", wal.path() + "/%f", "%p"),
                    new RecoveryPlan(new RecoveryTarget.Immediate(), false, TargetTimeline.LATEST,
                            TargetAction.PROMOTE), false);
            new RestoreEngine(repository, Clock.systemUTC()).restore(new RestoreRequest(data,
                    Optional.of(backup.id().toString()), recovery, RestoreMode.EMPTY_ONLY, Map.of(), 2,
                    user.switched() ? Optional.of(user.name()) : Optional.empty()));
            try (PostgresCluster restored = PostgresCluster.restoredFrom(data, PostgresOptions.defaults())) {
                restored.waitUntilPromoted();
                assertThat(restored.queryForString(DIGEST + "fixed")).isEqualTo(primary.queryForString(DIGEST + "fixed"));
                long rows = restored.queryForLong("SELECT count(*) FROM rising");
                assertThat(rows).isPositive();
                assertThat(restored.queryForLong("SELECT coalesce(max(id), 0) FROM rising")).isEqualTo(rows);
                assertThat(restored.queryForString(DIGEST + "rising"))
                        .isEqualTo(primary.queryForString(DIGEST + "rising WHERE id <= " + rows));
            }
        }
    }
}
