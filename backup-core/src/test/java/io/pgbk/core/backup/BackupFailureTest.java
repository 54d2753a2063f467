package io.pgbk.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Backups that must fail, each with a clear message and no backup listed afterwards. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupFailureTest {

    @TempDir
    static Path root;
    @TempDir
    static Path lockDirectory;
    @TempDir
    static Path otherHostLocks;

    private LocalObjectStore store;
    private Repository repository;
    private SpoolArchiver archiver;
    private PostgresCluster primary;
    private PostgresCluster standby;

    @BeforeAll
    void startClusters() throws Exception {
        store = new LocalObjectStore(root.resolve("repo"));
        repository = Repository.open(store, "main");
        archiver = new SpoolArchiver(new WalArchive(repository, Compression.DEFAULT));
        primary = PostgresCluster.startPrimary("failprimary", archiver.primaryOptions());
        standby = primary.createStandby("failstandby", StandbyOptions.streaming());
        primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
        primary.execute("SELECT pg_switch_wal()");
        StandbyBackupTest.awaitClusterInfo(repository);
        standby.waitForCatchUp(primary);
        primary.execute("CHECKPOINT");
    }

    @AfterAll
    void stopClusters() throws Exception {
        try (LocalObjectStore closingStore = store; SpoolArchiver closingArchiver = archiver;
             PostgresCluster closingPrimary = primary; PostgresCluster closingStandby = standby) {
            // closed in reverse order, each even when another fails
        }
    }

    private BackupOptions options() {
        return BackupOptions.defaults(standby.dataDirectory(), lockDirectory).withPartTargetSize(256 * 1024);
    }

    private BackupEngine engine(Repository target, PostgresCluster node, BackupOptions options) {
        return new BackupEngine(target, new ClusterEndpoint(node), Optional.of(new ClusterEndpoint(primary)), options,
                Clock.systemUTC());
    }

    @Test
    void aPrimaryIsRefusedWithFromStandby() {
        List<BackupId> before = new Catalog(repository).ids();

        assertThatThrownBy(() -> engine(repository, primary, options()).run(new BackupProgress()))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("is a primary, not a standby: refusing to back up from it with --from standby");
        assertThat(new Catalog(repository).ids()).isEqualTo(before);
    }

    @Test
    void anUnreachableNodeFailsTheBackupAndLeavesTheLockFree() {
        int port = FreePorts.next();
        DatabaseEndpoint nowhere = new DatabaseEndpoint() {
            @Override
            public Connection connect() throws SQLException {
                return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                        + "/postgres?user=postgres&connectTimeout=2");
            }

            @Override
            public String host() {
                return "127.0.0.1";
            }

            @Override
            public int port() {
                return port;
            }
        };
        BackupEngine engine = new BackupEngine(repository, nowhere, Optional.empty(), options(), Clock.systemUTC());

        assertThatThrownBy(() -> engine.run(new BackupProgress())).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("cannot connect to PostgreSQL at 127.0.0.1:" + port + ": ");
        assertThat(BackupLock.read(repository)).isEmpty();
    }

    @Test
    void aSecondBackupOnThisHostIsRefused() {
        try (BackupLock held = BackupLock.acquire(repository, lockDirectory, "20260101T000000Z", Clock.systemUTC(),
                Duration.ofMinutes(5))) {
            assertThatThrownBy(() -> engine(repository, standby, options()).run(new BackupProgress()))
                    .isInstanceOf(PgbkException.class)
                    .hasMessage("another pgbk backup of cluster 'main' is running on this host (lock file in "
                            + lockDirectory + ")");
        }
    }

    @Test
    void aSecondBackupFromAnotherHostIsRefusedUntilTheLockIsStale() {
        try (BackupLock held = BackupLock.acquire(repository, otherHostLocks, "20260101T000000Z", Clock.systemUTC(),
                Duration.ofMinutes(5))) {
            assertThatThrownBy(() -> engine(repository, standby, options()).run(new BackupProgress()))
                    .isInstanceOf(PgbkException.class)
                    .hasMessageStartingWith("another backup is running: backup 20260101T000000Z by ")
                    .hasMessageContaining("holds the backup lock of");
            // a holder whose heartbeat is older than the limit is taken for dead
            Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));
            try (BackupLock takenOver = BackupLock.acquire(repository, lockDirectory, "20260101T000001Z", later,
                    Duration.ofMinutes(5))) {
                assertThat(BackupLock.read(repository)).get().extracting(LockHolder::backupId)
                        .isEqualTo("20260101T000001Z");
                assertThatThrownBy(held::verifyHeld).isInstanceOf(PgbkException.class)
                        .hasMessageContaining("was taken over by backup 20260101T000001Z");
            }
        }
    }

    @Test
    void aBackupInterruptedBetweenPartsLeavesNothingListedAndTheNextRunRemovesLeftovers() throws Exception {
        Catalog catalog = new Catalog(repository);
        List<BackupId> before = catalog.ids();
        AtomicInteger parts = new AtomicInteger();
        Repository failing = Repository.open(new FaultyStore(store, key -> {
            if (key.contains("/parts/") && parts.incrementAndGet() == 3) {
                throw FaultyStore.full(key);
            }
        }), "main");

        assertThatThrownBy(() -> engine(failing, standby, options()).run(new BackupProgress()))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("No space left on device");
        assertThat(catalog.ids()).isEqualTo(before);
        assertThat(catalog.incomplete()).isEmpty();

        // what a crash (no chance to clean up) leaves behind, removed by the next backup
        BackupId crashed = BackupId.parse("20200101T000000Z");
        repository.putIfAbsent(BackupManifest.partKey(crashed, 0),
                new SealingInputStream(new ByteArrayInputStream(new byte[1024]), Compression.NONE));
        assertThat(catalog.incomplete()).containsExactly(crashed);
        primary.execute("CHECKPOINT");
        BackupManifest next = engine(repository, standby, options()).run(new BackupProgress());
        assertThat(catalog.incomplete()).isEmpty();
        assertThat(catalog.ids()).contains(next.id()).doesNotContain(crashed);
    }

    @Test
    void walThatNeverArrivesFailsTheBackupAfterTheTimeout() throws Exception {
        try (LocalObjectStore emptyStore = new LocalObjectStore(root.resolve("nowal"))) {
            Repository noWal = Repository.open(emptyStore, "main");
            noWal.ensureCluster(repository.clusterInfo().orElseThrow(), "test");
            primary.execute("CHECKPOINT");

            assertThatThrownBy(() -> engine(noWal, standby, options().withArchiveTimeout(Duration.ofSeconds(2)))
                    .run(new BackupProgress()))
                    .isInstanceOf(PgbkException.class)
                    .hasMessageContaining("did not arrive in the repository within 2 s: check archive_command "
                            + "(or pgbk receive-wal) on the primary");
            assertThat(new Catalog(noWal).ids()).isEmpty();
            assertThat(new Catalog(noWal).incomplete()).isEmpty();
        }
    }

    @Test
    void aStandbyPromotedDuringTheBackupFailsIt() throws Exception {
        try (PostgresCluster doomed = primary.createStandby("promoted", StandbyOptions.streaming())) {
            doomed.waitForCatchUp(primary);
            primary.execute("CHECKPOINT");
            AtomicInteger parts = new AtomicInteger();
            Repository promoting = Repository.open(new FaultyStore(store, key -> {
                if (key.contains("/parts/") && parts.incrementAndGet() == 1) {
                    doomed.promote();
                    doomed.waitUntilPromoted();
                }
            }), "main");
            List<BackupId> before = new Catalog(repository).ids();

            assertThatThrownBy(() -> engine(promoting, doomed,
                    BackupOptions.defaults(doomed.dataDirectory(), lockDirectory).withFrom(SourcePolicy.STANDBY)).run(new BackupProgress()))
                    .isInstanceOf(PgbkException.class)
                    .hasMessageContaining("was promoted during the backup");
            assertThat(new Catalog(repository).ids()).isEqualTo(before);
            assertThat(new Catalog(repository).incomplete()).isEmpty();
        }
    }
}
