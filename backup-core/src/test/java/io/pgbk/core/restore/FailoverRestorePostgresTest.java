package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.backup.BackupEngine;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.backup.BackupProgress;
import io.pgbk.core.backup.SourcePolicy;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.repo.Repository;
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
 * Restores across a failover: the standby is promoted (timeline 2) and the ledger continues on
 * it, while the old primary writes one more row on timeline 1 before it is stopped. A target
 * after the promotion is reached through timeline 2's history; one before it gives timeline 1's
 * rows up to it; neither ever shows the old primary's late row.
 */
class FailoverRestorePostgresTest {

    private static final int LATE_ROW = 100;

    @Test
    void targetsOnBothSidesOfAPromotionGiveTheirTimelinesRows() {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory archiveDirectory = user.createDirectory("failover-archive");
             TempDirectory work = user.createDirectory("failover");
             LocalObjectStore store = new LocalObjectStore(work.path().resolve("repo"))) {
            PostgresOptions archiving = PostgresOptions.defaults()
                    .withSetting("archive_mode", "on")
                    .withSetting("archive_command", ArchivedWalPusher.archiveCommand(archiveDirectory.path()));
            Repository repository = Repository.open(store, "main");
            try (PostgresCluster primary = PostgresCluster.startPrimary("failover-primary", archiving);
                 ArchivedWalPusher pusher = new ArchivedWalPusher(archiveDirectory.path(),
                         new WalArchive(repository, Compression.parse("zstd")));
                 PostgresCluster standby = primary.createStandby("failover-standby",
                         StandbyOptions.streaming().withServer(archiving))) {
                primary.execute("CREATE TABLE ledger (n int PRIMARY KEY, xid bigint DEFAULT txid_current())");
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                new BackupEngine(repository, new ClusterEndpoint(primary), Optional.empty(),
                        BackupOptions.defaults(primary.dataDirectory(), work.path().resolve("lock"))
                                .withFrom(SourcePolicy.PRIMARY), Clock.systemUTC()).run(new BackupProgress());
                for (int n = 1; n <= 3; n++) {
                    primary.execute("INSERT INTO ledger (n) VALUES (" + n + ")");
                }
                long xidOfRow2 = primary.queryForLong("SELECT xid FROM ledger WHERE n = 2");
                standby.waitForCatchUp(primary);
                standby.promote();
                standby.waitUntilPromoted();
                primary.execute("INSERT INTO ledger (n) VALUES (" + LATE_ROW + ")");
                pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                primary.stop();
                for (int n = 4; n <= 6; n++) {
                    standby.execute("INSERT INTO ledger (n) VALUES (" + n + ")");
                }
                long xidOfRow5 = standby.queryForLong("SELECT xid FROM ledger WHERE n = 5");
                pusher.awaitStored(standby.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
                pusher.awaitStored("00000002.history");

                Path archive = archiveDirectory.path();
                assertThat(restoreAndList(work.path().resolve("after"), new RecoveryTarget.AtXid(xidOfRow5),
                        repository, archive)).isEqualTo("1,2,3,4,5");
                assertThat(restoreAndList(work.path().resolve("before"), new RecoveryTarget.AtXid(xidOfRow2),
                        repository, archive)).isEqualTo("1,2");
                assertThat(restoreAndList(work.path().resolve("end"), new RecoveryTarget.EndOfWal(),
                        repository, archive)).isEqualTo("1,2,3,4,5,6");
            }
        }
    }

    private static String restoreAndList(Path pgdata, RecoveryTarget target, Repository repository, Path archive) {
        RecoveryPlan plan = new RecoveryPlan(target, false, TargetTimeline.LATEST, TargetAction.PROMOTE);
        new RestoreEngine(repository, Clock.systemUTC()).restore(new RestoreRequest(pgdata, Optional.empty(),
                new RecoveryConfiguration(ArchivedWalPusher.restoreCommand(archive), plan, false),
                RestoreMode.EMPTY_ONLY, Map.of(), 2, Optional.empty()));
        try (RestoredServer server = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
            assertThat(server.outcome().state()).isEqualTo("promoted");
            return server.query("SELECT string_agg(n::text, ',' ORDER BY n) FROM ledger");
        }
    }
}
