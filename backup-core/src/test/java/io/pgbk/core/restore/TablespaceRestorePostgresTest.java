package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.backup.BackupEngine;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.backup.BackupProgress;
import io.pgbk.core.backup.SourcePolicy;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.repo.Repository;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A tablespace restored where --tablespace-map says, and refused where its original location is in use. */
class TablespaceRestorePostgresTest {

    @Test
    void aTablespaceIsRelocatedAndItsInUseLocationRefused() throws IOException {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory archiveDirectory = user.createDirectory("tablespace-archive");
             TempDirectory work = user.createDirectory("tablespace");
             TempDirectory original = user.createDirectory("tablespace-original");
             PostgresCluster primary = PostgresCluster.startPrimary("tablespace", PostgresOptions.defaults()
                     .withSetting("archive_mode", "on")
                     .withSetting("archive_command", ArchivedWalPusher.archiveCommand(archiveDirectory.path())));
             LocalObjectStore store = new LocalObjectStore(work.path().resolve("repo"))) {
            Repository repository = Repository.open(store, "main");
            BackupManifest backup;
            try (ArchivedWalPusher pusher = new ArchivedWalPusher(archiveDirectory.path(),
                    new WalArchive(repository, Compression.parse("zstd")))) {
                primary.execute("CREATE TABLESPACE ts LOCATION '" + original.path() + "'");
                primary.execute("CREATE TABLE t TABLESPACE ts AS SELECT g AS id FROM generate_series(1, 5000) g");
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                backup = new BackupEngine(repository, new ClusterEndpoint(primary), Optional.empty(),
                        BackupOptions.defaults(primary.dataDirectory(), work.path().resolve("lock"))
                                .withFrom(SourcePolicy.PRIMARY), Clock.systemUTC()).run(new BackupProgress());
                primary.execute("INSERT INTO t SELECT g FROM generate_series(5001, 6000) g");
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
            }
            assertThat(backup.tablespaces()).hasSize(1);
            long oid = backup.tablespaces().get(0).oid();

            Path refused = work.path().resolve("refused");
            DirectorySnapshot originalBefore = DirectorySnapshot.of(original.path());
            assertThatThrownBy(() -> restore(repository, refused, Map.of(), archiveDirectory.path()))
                    .isInstanceOf(PgbkException.class)
                    .hasMessage(original.path() + " is not empty: restore into an empty directory, or pass --delta to "
                            + "reuse matching files, or --force to replace its content");
            assertThat(refused).doesNotExist();
            assertThat(DirectorySnapshot.of(original.path())).isEqualTo(originalBefore);

            Path pgdata = work.path().resolve("restored");
            Path relocated = work.path().resolve("relocated-ts");
            restore(repository, pgdata, Map.of(oid, relocated), archiveDirectory.path());
            assertThat(Files.readSymbolicLink(pgdata.resolve("pg_tblspc/" + oid))).isEqualTo(relocated);
            assertThat(Files.readString(pgdata.resolve("tablespace_map"))).isEqualTo(oid + " " + relocated + "\n");
            try (RestoredServer server = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
                assertThat(server.query("SELECT count(*) || ' ' || sum(id) FROM t")).isEqualTo("6000 18003000");
                assertThat(server.query("SELECT pg_tablespace_location(" + oid + ")")).isEqualTo(relocated.toString());
            }
        }
    }

    private static void restore(Repository repository, Path pgdata, Map<Long, Path> tablespaces, Path archive) {
        new RestoreEngine(repository, Clock.systemUTC()).restore(new RestoreRequest(pgdata, Optional.empty(),
                new RecoveryConfiguration(ArchivedWalPusher.restoreCommand(archive), RecoveryPlan.toEndOfWal(), false),
                RestoreMode.EMPTY_ONLY, tablespaces, 2, Optional.empty()));
    }
}
