package io.pgbk.core.restore;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.backup.BackupEngine;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.backup.BackupProgress;
import io.pgbk.core.backup.SourcePolicy;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.repo.Repository;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A primary whose WAL goes into a repository, one backup of it, and a ledger written after the
 * backup: rows 1..N, each committed alone, with what it takes to aim a recovery at each commit
 * (its xid, its exact commit time, the server time and WAL position after it, a restore point
 * 'after-n').
 */
final class LedgerCluster implements AutoCloseable {

    /** What was known right after row n committed. */
    record Commit(int n, long xid, String commitTime, String timeAfter, String lsnAfter) {
    }

    private final TempDirectory archiveDirectory;
    private final TempDirectory repositoryDirectory;
    private final PostgresCluster primary;
    private final LocalObjectStore store;
    private final Repository repository;
    private final ArchivedWalPusher pusher;
    private final List<Commit> commits = new ArrayList<>();
    private final BackupManifest backup;

    LedgerCluster(int rows) {
        ServiceUser user = ServiceUser.forServers();
        archiveDirectory = user.createDirectory("ledger-archive");
        repositoryDirectory = user.createDirectory("ledger-repo");
        primary = PostgresCluster.startPrimary("ledger", PostgresOptions.defaults()
                .withSetting("archive_mode", "on")
                .withSetting("archive_command", ArchivedWalPusher.archiveCommand(archiveDirectory.path()))
                .withSetting("track_commit_timestamp", "on"));
        store = new LocalObjectStore(repositoryDirectory.path());
        repository = Repository.open(store, "main");
        pusher = new ArchivedWalPusher(archiveDirectory.path(), new WalArchive(repository, Compression.parse("zstd")));
        try {
            primary.execute("CREATE TABLE ledger (n int PRIMARY KEY, xid bigint DEFAULT txid_current())");
            // the repository belongs to a cluster once a segment is in it
            pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
            backup = new BackupEngine(repository, new ClusterEndpoint(primary), Optional.empty(),
                    BackupOptions.defaults(primary.dataDirectory(), archiveDirectory.path().resolve("lock"))
                            .withFrom(SourcePolicy.PRIMARY).withJobs(2).withPartTargetSize(4 * 1024 * 1024),
                    Clock.systemUTC()).run(new BackupProgress());
            for (int n = 1; n <= rows; n++) {
                primary.execute("INSERT INTO ledger (n) VALUES (" + n + ")");
                commits.add(new Commit(n, primary.queryForLong("SELECT xid FROM ledger WHERE n = " + n),
                        primary.queryForString("SELECT pg_xact_commit_timestamp(xmin)::text FROM ledger WHERE n = " + n),
                        primary.queryForString("SELECT clock_timestamp()::text"),
                        primary.queryForString("SELECT pg_current_wal_insert_lsn()::text")));
                primary.execute("SELECT pg_create_restore_point('after-" + n + "')");
                primary.execute("SELECT pg_sleep(0.01)"); // distinct commit times
            }
            pusher.awaitStored(primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    Repository repository() {
        return repository;
    }

    Path repositoryRoot() {
        return repositoryDirectory.path();
    }

    BackupManifest backup() {
        return backup;
    }

    Commit commit(int n) {
        return commits.get(n - 1);
    }

    List<String> restoreCommand() {
        return ArchivedWalPusher.restoreCommand(archiveDirectory.path());
    }

    @Override
    public void close() {
        try (archiveDirectory; repositoryDirectory; store; primary; pusher) {
            // closed in reverse order
        }
    }
}
