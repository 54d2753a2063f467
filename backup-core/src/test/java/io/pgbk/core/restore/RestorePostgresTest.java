package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.core.recovery.RecoveryOutcome;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.recovery.TargetTime;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Restores of one real backup to every kind of target: each gives exactly the ledger rows
 * committed up to the target. One primary, one backup, many small restores, each in its own
 * directory and server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestorePostgresTest {

    private static final int ROWS = 8;

    private final ServiceUser user = ServiceUser.forServers();
    private LedgerCluster ledger;
    private TempDirectory work;

    @BeforeAll
    void writeLedger() {
        ledger = new LedgerCluster(ROWS);
        work = user.createDirectory("restores");
    }

    @AfterAll
    void stop() {
        try (TempDirectory directory = work; LedgerCluster cluster = ledger) {
            // closed in reverse order
        }
    }

    @Test
    void eachTargetGivesExactlyTheRowsCommittedUpToIt() {
        assertThat(restoreAndCount("time-between", timeTarget(ledger.commit(3).timeAfter()), false, TargetAction.PROMOTE))
                .isEqualTo(3);
        assertThat(restoreAndCount("time-inclusive", timeTarget(ledger.commit(5).commitTime()), false,
                TargetAction.PROMOTE)).isEqualTo(5);
        assertThat(restoreAndCount("time-exclusive", timeTarget(ledger.commit(5).commitTime()), true,
                TargetAction.PROMOTE)).isEqualTo(4);
        assertThat(restoreAndCount("lsn", new RecoveryTarget.AtLsn(Lsn.parse(ledger.commit(6).lsnAfter())),
                false, TargetAction.PROMOTE)).isEqualTo(6);
        assertThat(restoreAndCount("xid-inclusive", new RecoveryTarget.AtXid(ledger.commit(4).xid()), false,
                TargetAction.PROMOTE)).isEqualTo(4);
        assertThat(restoreAndCount("xid-exclusive", new RecoveryTarget.AtXid(ledger.commit(4).xid()), true,
                TargetAction.PAUSE)).isEqualTo(3);
        assertThat(restoreAndCount("name", new RecoveryTarget.AtName("after-2"), false, TargetAction.PROMOTE))
                .isEqualTo(2);
        assertThat(restoreAndCount("immediate", new RecoveryTarget.Immediate(), false, TargetAction.PROMOTE))
                .isZero();
        assertThat(restoreAndCount("end", new RecoveryTarget.EndOfWal(), false, TargetAction.PROMOTE))
                .isEqualTo(ROWS);
    }

    @Test
    void shutdownActionStopsTheServerAtTheRestorePoint() {
        Path pgdata = work.path().resolve("shutdown");
        restore(pgdata, plan(new RecoveryTarget.AtName("after-7"), false, TargetAction.SHUTDOWN), RestoreMode.EMPTY_ONLY,
                ledger.repository());
        RecoveryOutcome outcome;
        try (RestoredServer server = new RestoredServer(pgdata, TargetAction.SHUTDOWN)) {
            outcome = server.outcome();
        }
        assertThat(outcome.state()).isEqualTo("shut down");
        assertThat(outcome.stopMessages()).anyMatch(line -> line.contains("recovery stopping at restore point \"after-7\""));
        assertThat(pgdata.resolve("postmaster.pid")).doesNotExist();
    }

    @Test
    void deltaRestoreOntoAFormerNodeGivesWhatAFreshRestoreGives() {
        Path pgdata = work.path().resolve("former-node");
        RecoveryPlan toRow4 = plan(new RecoveryTarget.AtXid(ledger.commit(4).xid()), false, TargetAction.PROMOTE);
        restore(pgdata, toRow4, RestoreMode.EMPTY_ONLY, ledger.repository());
        try (RestoredServer formerNode = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
            formerNode.query("INSERT INTO ledger (n) SELECT g FROM generate_series(100, 2000) g");
            formerNode.query("CREATE TABLE diverged AS SELECT g FROM generate_series(1, 1000) g");
            formerNode.query("CHECKPOINT");
        }

        RestoreResult delta = restore(pgdata, toRow4, RestoreMode.DELTA, ledger.repository());

        assertThat(delta.filesKept()).isPositive();
        assertThat(delta.entriesRemoved()).isPositive();
        assertThat(delta.filesWritten()).isPositive();
        try (RestoredServer rebuilt = new RestoredServer(pgdata, TargetAction.PROMOTE)) {
            assertThat(rebuilt.query("SELECT string_agg(n::text, ',' ORDER BY n) FROM ledger")).isEqualTo("1,2,3,4");
            assertThat(rebuilt.queryForLong("SELECT count(*) FROM pg_class WHERE relname = 'diverged'")).isZero();
        }
    }

    @Test
    void aTargetBeforeTheOldestBackupIsRefusedBeforeTouchingTheDirectory() {
        Instant beforeBackup = ledger.backup().startTime().minusSeconds(1);
        assertRefused("early", plan(new RecoveryTarget.AtTime(new TargetTime(beforeBackup)),
                false, TargetAction.PROMOTE), RestoreMode.EMPTY_ONLY, ledger.repository(),
                "no backup can reach time ");
    }

    @Test
    void aMissingWalSegmentIsRefusedBeforeTouchingTheDirectory() throws IOException {
        try (TempDirectory copy = user.createDirectory("repo-copy");
             LocalObjectStore store = new LocalObjectStore(copyRepository(copy.path()))) {
            Path segment;
            try (Stream<Path> files = Files.walk(copy.path().resolve("repo/main/wal"))) {
                String firstNeeded = WalSegmentName.from(ledger.backup().startTimeline(),
                        ledger.backup().startLsn(), WalSegmentSize.ofBytes(1024 * 1024)).toString();
                segment = files.filter(path -> path.getFileName().toString().equals(firstNeeded)).findFirst().orElseThrow();
            }
            Files.delete(segment);
            assertRefused("missing-wal", plan(new RecoveryTarget.EndOfWal(), false, TargetAction.PROMOTE),
                    RestoreMode.EMPTY_ONLY, Repository.open(store, "main"),
                    "WAL segment " + segment.getFileName() + " is missing from the repository");
        }
    }

    @Test
    void aCorruptedPartFailsTheRestoreAndLeavesTheDirectoryAsItWas() throws IOException {
        try (TempDirectory copy = user.createDirectory("repo-copy");
             LocalObjectStore store = new LocalObjectStore(copyRepository(copy.path()))) {
            Path part = copy.path().resolve("repo/main/" + ledger.backup().files().stream()
                    .filter(file -> file.data() != null).findFirst().orElseThrow().data().partKey());
            try (RandomAccessFile file = new RandomAccessFile(part.toFile(), "rw")) {
                long middle = file.length() / 2;
                file.seek(middle);
                int b = file.read();
                file.seek(middle);
                file.write(b ^ 0xFF);
            }
            Path pgdata = work.path().resolve("corrupt");
            Files.createDirectories(pgdata);
            DirectorySnapshot before = DirectorySnapshot.of(pgdata);
            assertThatThrownBy(() -> restore(pgdata, plan(new RecoveryTarget.EndOfWal(), false, TargetAction.PROMOTE),
                    RestoreMode.EMPTY_ONLY, Repository.open(store, "main")))
                    .isInstanceOf(PgbkException.class)
                    .hasMessageContaining(part.getFileName().toString());
            assertThat(DirectorySnapshot.of(pgdata)).isEqualTo(before);
        }
    }

    @Test
    void aRunningServerOnTheDirectoryIsRefused() throws IOException {
        Path pgdata = work.path().resolve("running");
        Files.createDirectories(pgdata);
        Files.writeString(pgdata.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + pgdata + "\n");
        assertRefused("running", plan(new RecoveryTarget.EndOfWal(), false, TargetAction.PROMOTE), RestoreMode.FORCE,
                ledger.repository(), "PostgreSQL is running on " + pgdata);
    }

    @Test
    void aNonEmptyDirectoryIsRefusedWithoutDeltaOrForce() throws IOException {
        Path pgdata = work.path().resolve("non-empty");
        Files.createDirectories(pgdata);
        Files.writeString(pgdata.resolve("precious.txt"), "keep me");
        assertRefused("non-empty", plan(new RecoveryTarget.EndOfWal(), false, TargetAction.PROMOTE),
                RestoreMode.EMPTY_ONLY, ledger.repository(), pgdata + " is not empty");
    }

    @Test
    void aDeltaRestoreOntoAnotherClusterIsRefused() throws IOException {
        Path pgdata = work.path().resolve("other-cluster");
        Files.createDirectories(pgdata.resolve("global"));
        Files.write(pgdata.resolve("global/pg_control"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertRefused("other-cluster", plan(new RecoveryTarget.EndOfWal(), false, TargetAction.PROMOTE),
                RestoreMode.DELTA, ledger.repository(), "refusing a delta restore: " + pgdata + " belongs to system");
    }

    private void assertRefused(String name, RecoveryPlan plan, RestoreMode mode, Repository repository, String message) {
        Path pgdata = work.path().resolve(name);
        DirectorySnapshot before = DirectorySnapshot.of(pgdata);
        assertThatThrownBy(() -> restore(pgdata, plan, mode, repository))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining(message);
        assertThat(DirectorySnapshot.of(pgdata)).isEqualTo(before);
    }

    private Path copyRepository(Path into) throws IOException {
        Path root = into.resolve("repo");
        try (Stream<Path> paths = Files.walk(ledger.repositoryRoot())) {
            for (Path path : paths.toList()) {
                Path target = root.resolve(ledger.repositoryRoot().relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return root;
    }

    private long restoreAndCount(String name, RecoveryTarget target, boolean exclusive, TargetAction action) {
        Path pgdata = work.path().resolve(name);
        restore(pgdata, plan(target, exclusive, action), RestoreMode.EMPTY_ONLY, ledger.repository());
        try (RestoredServer server = new RestoredServer(pgdata, action)) {
            assertThat(server.outcome().state()).isEqualTo(action == TargetAction.PAUSE ? "paused" : "promoted");
            assertThat(server.outcome().lastReplayedLsn()).isPresent();
            return server.queryForLong("SELECT count(*) FROM ledger");
        }
    }

    private RestoreResult restore(Path pgdata, RecoveryPlan plan, RestoreMode mode, Repository repository) {
        RestoreRequest request = new RestoreRequest(pgdata, Optional.empty(),
                new RecoveryConfiguration(ledger.restoreCommand(), plan, false), mode, Map.of(), 2, Optional.empty());
        return new RestoreEngine(repository, Clock.systemUTC()).restore(request);
    }

    private static RecoveryPlan plan(RecoveryTarget target, boolean exclusive, TargetAction action) {
        return new RecoveryPlan(target, exclusive, TargetTimeline.LATEST, action);
    }

    private static RecoveryTarget timeTarget(String postgresTime) {
        return new RecoveryTarget.AtTime(TargetTime.parse(postgresTime, Clock.systemUTC()));
    }
}
