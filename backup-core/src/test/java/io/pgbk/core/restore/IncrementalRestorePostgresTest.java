package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.backup.BackupEngine;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.backup.BackupProgress;
import io.pgbk.core.backup.SourcePolicy;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.manifest.ManifestFile;
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

/** A chain of a full and an incremental backup restored into the data the primary had. */
class IncrementalRestorePostgresTest {

    private static final String FINGERPRINT =
            "SELECT count(*) || ' ' || md5(string_agg(id || ':' || v, ',' ORDER BY id)) FROM t";

    @Test
    void anIncrementalChainRestoresTheLatestDataAndABrokenChainIsRefused() throws IOException {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory archiveDirectory = user.createDirectory("incremental-archive");
             TempDirectory work = user.createDirectory("incremental");
             PostgresCluster primary = PostgresCluster.startPrimary("incremental", PostgresOptions.defaults()
                     .withSetting("archive_mode", "on")
                     .withSetting("archive_command", ArchivedWalPusher.archiveCommand(archiveDirectory.path())));
             LocalObjectStore store = new LocalObjectStore(work.path().resolve("repo"))) {
            Repository repository = Repository.open(store, "main");
            try (ArchivedWalPusher pusher = new ArchivedWalPusher(archiveDirectory.path(),
                    new WalArchive(repository, Compression.parse("zstd")))) {
                primary.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
                primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                BackupManifest full = backup(primary, repository, work.path(), BackupType.FULL);
                primary.execute("UPDATE t SET v = 'changed' WHERE id % 97 = 0");
                primary.execute("DELETE FROM t WHERE id > 19000");
                primary.execute("CHECKPOINT");
                BackupManifest incremental = backup(primary, repository, work.path(), BackupType.INCR);
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                String expected = primary.queryForString(FINGERPRINT);

                assertThat(incremental.type()).isEqualTo(BackupType.INCR);
                assertThat(incremental.files()).anyMatch(ManifestFile::isPartial);
                Path pgdata = work.path().resolve("restored");
                RestoreResult result = restore(repository, pgdata, incremental, archiveDirectory.path());
                assertThat(result.choice().backup().id()).isEqualTo(incremental.id());
                try (RestoredServer server = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
                    assertThat(server.query(FINGERPRINT)).isEqualTo(expected);
                }

                Files.delete(work.path().resolve("repo/main/" + BackupManifest.manifestKey(full.id())));
                Path untouched = work.path().resolve("broken-chain");
                assertThatThrownBy(() -> restore(repository, untouched, incremental, archiveDirectory.path()))
                        .isInstanceOf(PgbkException.class)
                        .hasMessage("backup " + incremental.id() + " cannot be restored: it needs backup " + full.id()
                                + ", which is not in the repository");
                assertThat(untouched).doesNotExist();
            }
        }
    }

    private static RestoreResult restore(Repository repository, Path pgdata, BackupManifest backup, Path archive) {
        RecoveryConfiguration recovery = new RecoveryConfiguration(ArchivedWalPusher.restoreCommand(archive),
                RecoveryPlan.toEndOfWal(), false);
        return new RestoreEngine(repository, Clock.systemUTC()).restore(new RestoreRequest(pgdata,
                Optional.of(backup.id().toString()), recovery, RestoreMode.EMPTY_ONLY, Map.of(), 2, Optional.empty()),
                new Catalog(repository).list());
    }

    private static BackupManifest backup(PostgresCluster primary, Repository repository, Path work, BackupType type) {
        return new BackupEngine(repository, new ClusterEndpoint(primary), Optional.empty(),
                BackupOptions.defaults(primary.dataDirectory(), work.resolve("lock")).withType(type)
                        .withFrom(SourcePolicy.PRIMARY), Clock.systemUTC()).run(new BackupProgress());
    }
}
