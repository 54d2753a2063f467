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
import io.pgbk.core.seal.ContentDigest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A chain of a full and two incremental backups restored into the data the primary had, each part
 * read once; delta restores of it write only the pages that differ.
 */
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
                primary.execute("CREATE TABLE t (id int PRIMARY KEY, v text) WITH (fillfactor = 90)"); // updates stay in their page
                primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 100000) g");
                primary.execute("VACUUM t"); // now, so that the later one touches only the pages changed since
                String heap = primary.queryForString("SELECT pg_relation_filepath('t')");
                // a table nothing writes to after this: its file is not read again by the incrementals
                primary.execute("CREATE TABLE frozen WITH (autovacuum_enabled = false) AS SELECT g AS id FROM generate_series(1, 5000) g");
                primary.execute("VACUUM FREEZE frozen");
                primary.execute("CHECKPOINT");
                String frozen = primary.queryForString("SELECT pg_relation_filepath('frozen')");
                Files.setLastModifiedTime(primary.dataDirectory().resolve(frozen),
                        FileTime.from(Instant.now().minus(Duration.ofHours(1))));
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                BackupManifest full = backup(primary, repository, work.path(), BackupType.FULL);
                primary.execute("UPDATE t SET v = 'changed' WHERE id <= 300");
                primary.execute("DELETE FROM t WHERE id > 95000");
                primary.execute("CHECKPOINT");
                BackupManifest first = backup(primary, repository, work.path(), BackupType.INCR);
                primary.execute("DELETE FROM t WHERE id > 90000");
                primary.execute("VACUUM t");
                primary.execute("UPDATE t SET v = 'again' WHERE id BETWEEN 200 AND 400");
                primary.execute("CHECKPOINT");
                BackupManifest second = backup(primary, repository, work.path(), BackupType.INCR);
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                String expected = primary.queryForString(FINGERPRINT);

                assertThat(second.parent()).isEqualTo(first.id());
                assertThat(first.parent()).isEqualTo(full.id());
                assertThat(entry(second, heap).isPartial()).isTrue();
                assertThat(entry(second, frozen).data()).as("unchanged since before the full backup: not read again")
                        .isEqualTo(entry(full, frozen).data());
                Path pgdata = work.path().resolve("restored");
                RestoreResult result = restore(repository, pgdata, second, RestoreMode.EMPTY_ONLY, archiveDirectory.path());
                assertThat(result.choice().backup().id()).isEqualTo(second.id());
                try (RestoredServer server = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
                    assertThat(server.query(FINGERPRINT)).isEqualTo(expected);
                    assertThat(server.query("SELECT count(*) || ' ' || sum(id) FROM frozen")).isEqualTo("5000 12502500");
                }

                // a node restored from the same backup, one page of the table damaged since: one page is rewritten
                Path former = work.path().resolve("former");
                restore(repository, former, second, RestoreMode.EMPTY_ONLY, archiveDirectory.path());
                Path heapFile = former.resolve(heap);
                Object inode = Files.getAttribute(heapFile, "unix:ino");
                String restoredHeap = sha256(heapFile);
                try (FileChannel channel = FileChannel.open(heapFile, StandardOpenOption.WRITE)) {
                    channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 3 * 8192 + 100);
                }
                RestoreResult repaired = restore(repository, former, second, RestoreMode.DELTA, archiveDirectory.path());
                assertThat(repaired.bytesWritten()).isLessThanOrEqualTo(2 * 8192); // the page, perhaps auto.conf
                assertThat(Files.getAttribute(heapFile, "unix:ino")).isEqualTo(inode);
                assertThat(sha256(heapFile)).isEqualTo(restoredHeap);

                // a node restored from the full backup: only the pages changed since are written
                Path fromFull = work.path().resolve("from-full");
                restore(repository, fromFull, full, RestoreMode.EMPTY_ONLY, archiveDirectory.path());
                RestoreResult delta = restore(repository, fromFull, second, RestoreMode.DELTA, archiveDirectory.path());
                assertThat(delta.bytesWritten()).isPositive().isLessThan(entry(second, heap).size() / 4);
                assertThat(delta.filesKept()).isPositive();
                try (RestoredServer server = new RestoredServer(fromFull, TargetAction.PROMOTE)) {
                    assertThat(server.query(FINGERPRINT)).isEqualTo(expected);
                }

                Files.delete(work.path().resolve("repo/main/" + BackupManifest.manifestKey(full.id())));
                Path untouched = work.path().resolve("broken-chain");
                assertThatThrownBy(() -> restore(repository, untouched, first, RestoreMode.EMPTY_ONLY, archiveDirectory.path()))
                        .isInstanceOf(PgbkException.class)
                        .hasMessage("backup " + first.id() + " cannot be restored: it needs backup " + full.id()
                                + ", which is not in the repository");
                assertThat(untouched).doesNotExist();
            }
        }
    }

    private static ManifestFile entry(BackupManifest backup, String path) {
        return backup.files().stream().filter(file -> file.path().equals(path)).findFirst().orElseThrow();
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ContentDigest.of(in).sha256();
        }
    }

    private static RestoreResult restore(Repository repository, Path pgdata, BackupManifest backup, RestoreMode mode,
            Path archive) {
        RecoveryConfiguration recovery = new RecoveryConfiguration(ArchivedWalPusher.restoreCommand(archive),
                RecoveryPlan.toEndOfWal(), false);
        return new RestoreEngine(repository, Clock.systemUTC()).restore(new RestoreRequest(pgdata,
                Optional.of(backup.id().toString()), recovery, mode, Map.of(), 2, Optional.empty()));
    }

    private static BackupManifest backup(PostgresCluster primary, Repository repository, Path work, BackupType type) {
        return new BackupEngine(repository, new ClusterEndpoint(primary), Optional.empty(),
                BackupOptions.defaults(primary.dataDirectory(), work.resolve("lock")).withType(type)
                        .withFrom(SourcePolicy.PRIMARY), Clock.systemUTC()).run(new BackupProgress());
    }
}
