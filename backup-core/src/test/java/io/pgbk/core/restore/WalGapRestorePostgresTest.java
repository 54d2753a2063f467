package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.backup.BackupEngine;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.backup.BackupProgress;
import io.pgbk.core.backup.SourcePolicy;
import io.pgbk.core.catalog.WalGapRecords;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.recovery.TargetTime;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.retention.ExpirePlan;
import io.pgbk.core.retention.Expiry;
import io.pgbk.core.retention.RetentionPolicy;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real primary's WAL with a hole in it, as a WAL receiver leaves one when the primary has
 * already removed what it needs: a backup, rows 1-3, one segment (rows 4-5) lost from the
 * repository and the archive with its gap record written as the receiver writes it, row 6, a
 * second backup, row 7. Restores that would replay across the hole are refused before the
 * directory is touched; those that stop before it, or start after it, give exactly their rows;
 * expire removes the gap record once no kept backup lies before it. Expire runs last: it changes
 * the repository.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalGapRestorePostgresTest {

    private static final WalSegmentSize SEGMENT = WalSegmentSize.ofBytes(1024 * 1024);

    private final ServiceUser user = ServiceUser.forServers();
    private TempDirectory archiveDirectory;
    private TempDirectory repositoryDirectory;
    private TempDirectory work;
    private PostgresCluster primary;
    private LocalObjectStore store;
    private Repository repository;
    private ArchivedWalPusher pusher;
    private BackupManifest beforeGap;
    private BackupManifest afterGap;
    private String timeAfterRow3;
    private WalGap gap;
    private String lastSegment;

    @BeforeAll
    void writeWalWithAHole() throws IOException {
        archiveDirectory = user.createDirectory("gap-archive");
        repositoryDirectory = user.createDirectory("gap-repo");
        work = user.createDirectory("gap-restores");
        primary = PostgresCluster.startPrimary("gap", PostgresOptions.defaults()
                .withSetting("archive_mode", "on")
                .withSetting("archive_command", ArchivedWalPusher.archiveCommand(archiveDirectory.path())));
        store = new LocalObjectStore(repositoryDirectory.path());
        repository = Repository.open(store, "main");
        pusher = new ArchivedWalPusher(archiveDirectory.path(), new WalArchive(repository, Compression.parse("zstd")));
        primary.execute("CREATE TABLE ledger (n int PRIMARY KEY); CREATE TABLE later (n int)");
        switchAndStore();
        beforeGap = backup();
        primary.execute("INSERT INTO ledger VALUES (1); INSERT INTO ledger VALUES (2); INSERT INTO ledger VALUES (3)");
        timeAfterRow3 = primary.queryForString("SELECT clock_timestamp()::text");
        primary.execute("SELECT pg_sleep(0.01); INSERT INTO later VALUES (1)"); // where a time target stops
        switchAndStore();
        primary.execute("INSERT INTO ledger VALUES (4); INSERT INTO ledger VALUES (5)");
        String lost = switchAndStore();
        primary.execute("INSERT INTO ledger VALUES (6)");
        switchAndStore();
        afterGap = backup();
        primary.execute("INSERT INTO ledger VALUES (7)");
        lastSegment = switchAndStore();

        WalSegmentName lostSegment = WalSegmentName.parse(lost);
        repository.delete(Repository.walKey(WalFileName.parse(lost)));
        Files.delete(archiveDirectory.path().resolve(lost));
        gap = new WalGap(new WalPosition(lostSegment.timeline(), lostSegment.startLsn(SEGMENT)),
                new WalPosition(lostSegment.timeline(), lostSegment.next(SEGMENT).startLsn(SEGMENT)), Instant.now(),
                "host=127.0.0.1 port=" + primary.port(),
                "START_REPLICATION: requested WAL segment has already been removed");
        new WalGapRecords(repository).write(gap);
    }

    @AfterAll
    void stop() {
        try (TempDirectory a = archiveDirectory; TempDirectory r = repositoryDirectory; TempDirectory w = work;
             LocalObjectStore s = store; PostgresCluster p = primary; ArchivedWalPusher wal = pusher) {
            // closed in reverse order
        }
    }

    @Test
    @Order(1)
    void aRestorePastTheGapIsRefusedWithTheGapsMessageAndTheDirectoryUntouched() throws IOException {
        Path pgdata = work.path().resolve("past-gap");
        Files.createDirectories(pgdata);
        DirectorySnapshot before = DirectorySnapshot.of(pgdata);
        String why = "is lost, the WAL receiver found it gone at " + gap.detectedAt();

        assertThatThrownBy(() -> restore(pgdata, Optional.of(beforeGap.id().toString()), new RecoveryTarget.EndOfWal()))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("backup " + beforeGap.id() + " cannot be recovered to the end of the archived "
                        + "WAL: the WAL " + gap.range() + " (segment " + WalSegmentName.from(gap.from().timeline(),
                        gap.from().lsn(), SEGMENT) + ") " + why)
                .hasMessageContaining("restore to a target before " + gap.from().lsn()
                        + " or from a backup taken after the gap (" + afterGap.id() + ")");
        Lsn betweenGapAndSecondBackup = gap.to().lsn().plus(1);
        assertThatThrownBy(() -> restore(pgdata, Optional.empty(), new RecoveryTarget.AtLsn(betweenGapAndSecondBackup)))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("backup " + beforeGap.id() + " cannot be recovered to LSN "
                        + betweenGapAndSecondBackup)
                .hasMessageContaining(why);
        assertThat(DirectorySnapshot.of(pgdata)).isEqualTo(before);
    }

    @Test
    @Order(2)
    void aTargetBeforeTheGapGivesTheRowsCommittedBeforeIt() {
        Path pgdata = work.path().resolve("before-gap");
        RestoreResult result = restore(pgdata, Optional.empty(),
                new RecoveryTarget.AtTime(TargetTime.parse(timeAfterRow3, Clock.systemUTC())));
        assertThat(result.choice().backup().id()).isEqualTo(beforeGap.id());
        try (RestoredServer server = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
            assertThat(server.query("SELECT string_agg(n::text, ',' ORDER BY n) FROM ledger")).isEqualTo("1,2,3");
        }
    }

    @Test
    @Order(3)
    void theEndOfWalFromTheBackupTakenAfterTheGapProceeds() {
        Path pgdata = work.path().resolve("after-gap");
        RestoreResult result = restore(pgdata, Optional.empty(), new RecoveryTarget.EndOfWal());
        assertThat(result.choice().backup().id()).isEqualTo(afterGap.id());
        try (RestoredServer server = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
            assertThat(server.query("SELECT string_agg(n::text, ',' ORDER BY n) FROM ledger"))
                    .isEqualTo("1,2,3,4,5,6,7");
        }
    }

    @Test
    @Order(4)
    void expireRemovesTheGapRecordWithTheOldWalAndKeepsEverySegmentTheKeptBackupNeeds() {
        Expiry expiry = new Expiry(repository, new RetentionPolicy(Optional.of(1), Optional.empty(), 1),
                Clock.systemUTC(), Duration.ofMinutes(5));
        ExpirePlan plan = expiry.plan();
        assertThat(plan.expired()).containsExactly(beforeGap.id());
        assertThat(plan.gaps()).containsExactly(gap);
        assertThat(new WalGapRecords(repository).list()).containsExactly(gap); // a plan (--dry-run) removes nothing

        expiry.apply(plan);

        assertThat(new WalGapRecords(repository).list()).isEmpty();
        WalArchive archive = new WalArchive(repository, Compression.NONE);
        WalSegmentName needed = WalSegmentName.from(afterGap.startTimeline(), afterGap.startLsn(), SEGMENT);
        WalSegmentName last = WalSegmentName.parse(lastSegment);
        for (; needed.segmentNumber(SEGMENT) <= last.segmentNumber(SEGMENT); needed = needed.next(SEGMENT)) {
            assertThat(archive.stat(needed.toString())).as(needed + " is kept").isPresent();
        }
        assertThat(archive.stat(WalSegmentName.from(beforeGap.startTimeline(), beforeGap.startLsn(), SEGMENT)
                .toString())).as("WAL before the kept backup").isEmpty();
    }

    private String switchAndStore() {
        String segment = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        pusher.awaitStored(segment);
        return segment;
    }

    private BackupManifest backup() {
        return new BackupEngine(repository, new ClusterEndpoint(primary), Optional.empty(),
                BackupOptions.defaults(primary.dataDirectory(), archiveDirectory.path().resolve("lock"))
                        .withFrom(SourcePolicy.PRIMARY).withJobs(2).withPartTargetSize(4 * 1024 * 1024),
                Clock.systemUTC()).run(new BackupProgress());
    }

    private RestoreResult restore(Path pgdata, Optional<String> backup, RecoveryTarget target) {
        RestoreRequest request = new RestoreRequest(pgdata, backup, new RecoveryConfiguration(
                ArchivedWalPusher.restoreCommand(archiveDirectory.path()),
                new RecoveryPlan(target, false, TargetTimeline.LATEST, TargetAction.PROMOTE), false),
                RestoreMode.EMPTY_ONLY, Map.of(), 2, Optional.empty());
        return new RestoreEngine(repository, Clock.systemUTC()).restore(request);
    }
}
