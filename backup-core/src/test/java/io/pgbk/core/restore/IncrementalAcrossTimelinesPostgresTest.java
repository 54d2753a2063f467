package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.backup.BackupEngine;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.backup.BackupProgress;
import io.pgbk.core.backup.SourcePolicy;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * An incremental backup of a promoted standby whose parent was taken on the previous timeline,
 * while the old primary went on writing on that timeline and archiving it (a split brain): the WAL
 * between the parent's start and the incremental's start is timeline 2's, and timeline 1's
 * segments of the same range hold other changes. The incremental must not summarise them.
 */
class IncrementalAcrossTimelinesPostgresTest {

    private static final String FINGERPRINT =
            "SELECT count(*) || ' ' || md5(string_agg(id || ':' || v, ',' ORDER BY id)) FROM t";

    @Test
    void anIncrementalOnANewTimelineHasTheNewTimelinesPages() {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory archiveDirectory = user.createDirectory("timelines-archive");
             TempDirectory work = user.createDirectory("timelines");
             LocalObjectStore store = new LocalObjectStore(work.path().resolve("repo"))) {
            PostgresOptions archiving = PostgresOptions.defaults()
                    .withSetting("archive_mode", "on")
                    .withSetting("archive_command", ArchivedWalPusher.archiveCommand(archiveDirectory.path()));
            Repository repository = Repository.open(store, "main");
            try (PostgresCluster primary = PostgresCluster.startPrimary("timelines-primary", archiving);
                 ArchivedWalPusher pusher = new ArchivedWalPusher(archiveDirectory.path(),
                         new WalArchive(repository, Compression.parse("zstd")));
                 PostgresCluster standby = primary.createStandby("timelines-standby",
                         StandbyOptions.streaming().withServer(archiving))) {
                primary.execute("CREATE TABLE t (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = off)");
                primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
                primary.execute("VACUUM t");
                primary.execute("CHECKPOINT");
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                BackupManifest full = backup(primary, repository, work.path(), BackupType.FULL);

                standby.waitForCatchUp(primary);
                standby.promote();
                standby.waitUntilPromoted();
                // the old primary writes more WAL on timeline 1 than the new one will write on 2
                primary.execute("UPDATE t SET v = 'old timeline' WHERE id <= 1000");
                primary.execute("CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 40000) g");
                Lsn oldTimelineEnd = Lsn.parse(primary.queryForString("SELECT pg_current_wal_lsn()"));
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                primary.stop();

                standby.execute("UPDATE t SET v = 'new timeline' WHERE id > 15000");
                standby.execute("CHECKPOINT");
                BackupManifest incremental = backup(standby, repository, work.path(), BackupType.INCR);
                pusher.awaitStored(standby.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                pusher.awaitStored("00000002.history");
                String expected = standby.queryForString(FINGERPRINT);

                assertThat(incremental.parent()).isEqualTo(full.id());
                assertThat(incremental.startTimeline()).isEqualTo(new TimelineId(2));
                assertThat(full.startTimeline()).isEqualTo(TimelineId.FIRST);
                assertThat(oldTimelineEnd).as("timeline 1 was archived past the incremental's start")
                        .isGreaterThan(incremental.startLsn());

                Path pgdata = work.path().resolve("restored");
                RecoveryConfiguration recovery = new RecoveryConfiguration(
                        ArchivedWalPusher.restoreCommand(archiveDirectory.path()), RecoveryPlan.toEndOfWal(), false);
                new RestoreEngine(repository, Clock.systemUTC()).restore(new RestoreRequest(pgdata,
                        Optional.of(incremental.id().toString()), recovery, RestoreMode.EMPTY_ONLY, Map.of(), 2,
                        Optional.empty()));
                try (RestoredServer server = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
                    assertThat(server.query(FINGERPRINT)).isEqualTo(expected);
                    assertThat(server.query("SELECT count(*) FROM t WHERE v = 'new timeline'")).isEqualTo("5000");
                }
            }
        }
    }

    private static BackupManifest backup(PostgresCluster node, Repository repository, Path work, BackupType type) {
        return new BackupEngine(repository, new ClusterEndpoint(node), Optional.empty(),
                BackupOptions.defaults(node.dataDirectory(), work.resolve("lock")).withType(type)
                        .withFrom(SourcePolicy.PRIMARY), Clock.systemUTC()).run(new BackupProgress());
    }
}
