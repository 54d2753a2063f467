package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.manifest.PartInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.SealCheck;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local-mode backups from a real standby while the primary is written to, restored and compared. */
class StandbyBackupTest {

    @TempDir
    Path repositoryRoot;
    @TempDir
    Path lockDirectory;

    @Test
    void fullThenIncrementalFromStandbyUnderLoadRestoreToThePrimarysData() throws Exception {
        try (LocalObjectStore store = new LocalObjectStore(repositoryRoot)) {
            Repository repository = Repository.open(store, "main");
            try (SpoolArchiver archiver = new SpoolArchiver(new WalArchive(repository, Compression.DEFAULT));
                 PostgresCluster primary = PostgresCluster.startPrimary("bkprimary", archiver.primaryOptions());
                 PostgresCluster standby = primary.createStandby("bkstandby", StandbyOptions.streaming())) {
                primary.execute("CREATE TABLE fixed AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 20000) g");
                primary.execute("CREATE TABLE rising (id bigint PRIMARY KEY, h text NOT NULL)");
                primary.execute("CREATE TABLE shrinking AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 20000) g");
                primary.execute("CREATE TABLE dropped AS SELECT g FROM generate_series(1, 1000) g");
                primary.execute("SELECT pg_switch_wal()"); // creates cluster.json through the archiver
                awaitClusterInfo(repository);
                standby.waitForCatchUp(primary);
                primary.execute("CHECKPOINT"); // gives the standby a restartpoint to start its backup from

                BackupOptions options = BackupOptions.defaults(standby.dataDirectory(), lockDirectory).withJobs(2)
                        .withPartTargetSize(512 * 1024);
                BackupEngine engine = new BackupEngine(repository, new ClusterEndpoint(standby),
                        Optional.of(new ClusterEndpoint(primary)), options, Clock.systemUTC());

                BackupManifest full;
                Set<String> pgbkQueriesOnPrimary = ConcurrentHashMap.newKeySet();
                try (Load load = new Load(primary); Watch watch = new Watch(primary, pgbkQueriesOnPrimary)) {
                    load.awaitRows(200);
                    full = engine.run(new BackupProgress());
                    assertThat(load.rows()).as("rows written while the backup ran").isGreaterThan(200);
                }
                assertThat(pgbkQueriesOnPrimary).as("pgbk statements seen on the primary during a standby backup")
                        .isSubsetOf(Set.of("SELECT pg_switch_wal()", "SELECT pg_logical_emit_message(false, 'pgbk', $1)"));
                assertThat(full.type()).isEqualTo(BackupType.FULL);
                assertThat(full.source().standby()).isTrue();
                assertThat(full.files().get(full.files().size() - 1).path()).isEqualTo("global/pg_control");
                assertThat(full.parts()).hasSizeGreaterThan(2);
                assertThat(full.filesWithCorruptPages()).isEmpty();
                assertPartsVerify(repository, full);
                assertThat(new Catalog(repository).ids()).containsExactly(full.id());

                restoreAndCompare(repository, full, primary);

                // changed pages, a relation truncated by VACUUM, a removed one, a new one
                primary.execute("UPDATE fixed SET h = upper(h) WHERE id % 100 = 0");
                primary.execute("DELETE FROM shrinking WHERE id > 5000");
                primary.execute("VACUUM shrinking");
                String droppedFile = primary.queryForString("SELECT pg_relation_filepath('dropped')");
                primary.execute("DROP TABLE dropped");
                primary.execute("CREATE TABLE fresh AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 3000) g");
                primary.execute("CHECKPOINT");
                BackupManifest incremental;
                try (Load load = new Load(primary)) {
                    load.awaitRows(100);
                    incremental = new BackupEngine(repository, new ClusterEndpoint(standby),
                            Optional.of(new ClusterEndpoint(primary)), options.withType(BackupType.INCR),
                            Clock.systemUTC()).run(new BackupProgress());
                }
                assertThat(incremental.type()).isEqualTo(BackupType.INCR);
                assertThat(incremental.parent()).isEqualTo(full.id());
                assertThat(incremental.files()).anySatisfy(file -> assertThat(file.isPartial()).isTrue());
                assertThat(full.file(droppedFile)).isPresent();
                assertThat(incremental.file(droppedFile)).isEmpty();
                assertThat(incremental.storedSize()).as("an incremental stores less than its full parent")
                        .isLessThan(full.storedSize());
                assertPartsVerify(repository, incremental);
                assertThat(new Catalog(repository).ids()).containsExactly(full.id(), incremental.id());

                restoreAndCompare(repository, incremental, primary);
            }
        }
    }

    static void awaitClusterInfo(Repository repository) {
        new Poll(Duration.ofSeconds(30)).until("cluster.json created by the first archived segment",
                () -> repository.clusterInfo().isPresent());
    }

    /** Every part verifies against the manifest and holds at most 128 files, however small. */
    static void assertPartsVerify(Repository repository, BackupManifest backup) {
        Map<Integer, Long> filesPerPart = backup.files().stream()
                .filter(file -> file.data() != null && file.data().backup().equals(backup.id()))
                .collect(Collectors.groupingBy(file -> file.data().part(), Collectors.counting()));
        assertThat(filesPerPart).as("files per part").allSatisfy((part, files) ->
                assertThat(files).isLessThanOrEqualTo(128));
        for (PartInfo part : backup.parts()) {
            String key = BackupManifest.partKey(backup.id(), part.number());
            Optional<ContentDigest> digest = repository.verify(key);
            assertThat(digest).as(key).isPresent();
            assertThat(digest.get()).as(key).isEqualTo(part.trailer());
            assertThat(digest.get().check()).as(key).isEqualTo(SealCheck.CRC32C);
        }
        for (ManifestFile file : backup.files()) {
            if (file.data() != null) {
                assertThat(backup.parts().stream().anyMatch(p -> file.data().backup().equals(backup.id())
                        && p.number() == file.data().part()) || !file.data().backup().equals(backup.id()))
                        .as(file.path() + " points at a part of its backup").isTrue();
            }
        }
    }

    /**
     * Restores into an empty directory, recovers to the end of the backup (recovery_target =
     * 'immediate') with WAL from the repository, and checks the data: the fixed table as the
     * primary has it, and a prefix of the rows the load wrote, each as the primary has it.
     */
    static void restoreAndCompare(Repository repository, BackupManifest backup, PostgresCluster primary)
            throws IOException, SQLException {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory home = user.createDirectory("restore"); TempDirectory wal = user.createDirectory("walfetch")) {
            try (PostgresCluster restored = new ManifestExtraction(repository).recover(backup,
                    home.path().resolve("data"), wal.path(), Map.of())) {
                for (String table : List.of("fixed", "shrinking")) {
                    assertThat(restored.queryForString("SELECT md5(string_agg(id || h, ',' ORDER BY id)) FROM " + table))
                            .as(table).isEqualTo(primary.queryForString(
                                    "SELECT md5(string_agg(id || h, ',' ORDER BY id)) FROM " + table));
                }
                boolean fresh = primary.queryForLong("SELECT count(*) FROM pg_class WHERE relname = 'fresh'") > 0
                        && backup.type() == BackupType.INCR;
                if (fresh) {
                    assertThat(restored.queryForLong("SELECT count(*) FROM fresh")).isEqualTo(3000);
                    assertThat(restored.queryForLong("SELECT count(*) FROM pg_class WHERE relname = 'dropped'")).isZero();
                }
                long rows = restored.queryForLong("SELECT count(*) FROM rising");
                assertThat(restored.queryForLong("SELECT coalesce(max(id), 0) FROM rising")).isEqualTo(rows);
                assertThat(rows).isPositive();
                assertThat(restored.queryForString("SELECT md5(string_agg(id || h, ',' ORDER BY id)) FROM rising"))
                        .isEqualTo(primary.queryForString("SELECT md5(string_agg(id || h, ',' ORDER BY id)) "
                                + "FROM rising WHERE id <= " + rows));
            }
        }
    }

    /** Writes rows 1, 2, 3... into "rising" on the primary, one transaction each, until closed. */
    static final class Load implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong written = new AtomicLong();
        private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-load"));
        private final Future<?> task;

        Load(PostgresCluster primary) throws SQLException {
            long first = primary.queryForLong("SELECT coalesce(max(id), 0) FROM rising");
            task = thread.submit(() -> {
                try (Connection connection = primary.connect(); Statement statement = connection.createStatement()) {
                    for (long id = first + 1; running.get(); id++) {
                        statement.execute("INSERT INTO rising VALUES (" + id + ", md5('" + id + "'))");
                        written.incrementAndGet();
                    }
                }
                return null;
            });
        }

        long rows() {
            return written.get();
        }

        void awaitRows(long count) {
            new Poll(Duration.ofSeconds(30)).until(count + " rows written by the load", () -> {
                assertThat(task.isDone()).as("load stopped early").isFalse();
                return written.get() >= count;
            });
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            try {
                task.get(30, TimeUnit.SECONDS);
            } finally {
                thread.shutdownNow();
            }
        }
    }

    /** Records the statements of pgbk's sessions on a server while open. */
    static final class Watch implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-watch"));
        private final Future<?> task;

        Watch(PostgresCluster server, Set<String> seen) {
            task = thread.submit(() -> {
                try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                    while (running.get()) {
                        try (ResultSet rows = statement.executeQuery("SELECT query FROM pg_stat_activity"
                                + " WHERE application_name = '" + ClusterEndpoint.APPLICATION + "' AND query <> ''")) {
                            while (rows.next()) {
                                seen.add(rows.getString(1));
                            }
                        }
                    }
                }
                return null;
            });
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            try {
                task.get(30, TimeUnit.SECONDS);
            } finally {
                thread.shutdownNow();
            }
        }
    }
}
