package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.repo.Repository;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backups from a primary (--from primary): tablespaces, and a page whose checksum fails. */
class PrimaryBackupTest {

    @TempDir
    Path repositoryRoot;
    @TempDir
    Path lockDirectory;

    @Test
    void backsUpATablespaceRestorableElsewhereAndReportsADamagedPage() throws Exception {
        ServiceUser user = ServiceUser.forServers();
        try (LocalObjectStore store = new LocalObjectStore(repositoryRoot);
             TempDirectory tablespace = user.createDirectory("tablespace");
             TempDirectory moved = user.createDirectory("moved-tablespace");
             TempDirectory home = user.createDirectory("restore");
             TempDirectory wal = user.createDirectory("walfetch")) {
            Repository repository = Repository.open(store, "main");
            try (SpoolArchiver archiver = new SpoolArchiver(new WalArchive(repository, Compression.DEFAULT));
                 PostgresCluster primary = PostgresCluster.startPrimary("bkts", PostgresOptions.defaults()
                         .withSetting("archive_mode", "on").withSetting("archive_command", archiver.archiveCommand()))) {
                primary.execute("CREATE TABLESPACE elsewhere LOCATION '" + tablespace.path() + "'");
                primary.execute("CREATE TABLE far TABLESPACE elsewhere AS SELECT g AS id, md5(g::text) AS h"
                        + " FROM generate_series(1, 5000) g");
                primary.execute("CREATE TABLE victim AS SELECT g FROM generate_series(1, 100) g");
                long tablespaceOid = primary.queryForLong("SELECT oid FROM pg_tablespace WHERE spcname = 'elsewhere'");
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

                BackupManifest backup = new BackupEngine(repository, new ClusterEndpoint(primary), Optional.empty(),
                        BackupOptions.defaults(primary.dataDirectory(), lockDirectory).withFrom(SourcePolicy.PRIMARY),
                        Clock.systemUTC()).run(new BackupProgress());

                assertThat(backup.source().standby()).isFalse();
                assertThat(backup.filesWithCorruptPages()).singleElement().satisfies(file -> {
                    assertThat(file.path()).isEqualTo(victim);
                    assertThat(file.corruptBlocks()).containsExactly(0);
                });
                assertThat(backup.tablespaces()).singleElement().satisfies(t -> {
                    assertThat(t.oid()).isEqualTo(tablespaceOid);
                    assertThat(t.location()).isEqualTo(tablespace.path().toString());
                });
                assertThat(backup.tablespaceMap()).isEqualTo(tablespaceOid + " " + tablespace.path() + "\n");
                assertThat(backup.file("pg_tblspc/" + tablespaceOid)).get().extracting(ManifestFile::kind)
                        .isEqualTo(EntryKind.SYMLINK);
                assertThat(backup.files()).anySatisfy(file ->
                        assertThat(file.path()).startsWith("pg_tblspc/" + tablespaceOid + "/PG_15_"));
                StandbyBackupTest.assertPartsVerify(repository, backup);

                try (PostgresCluster restored = new ManifestExtraction(repository).recover(backup,
                        home.path().resolve("data"), wal.path(), Map.of(tablespaceOid, moved.path()))) {
                    assertThat(restored.queryForString("SELECT pg_tablespace_location(" + tablespaceOid + ")"))
                            .isEqualTo(moved.path().toString());
                    assertThat(restored.queryForString("SELECT md5(string_agg(id || h, ',' ORDER BY id)) FROM far"))
                            .isEqualTo(primary.queryForString(
                                    "SELECT md5(string_agg(id || h, ',' ORDER BY id)) FROM far"));
                }
            }
        }
    }
}
