/*
 * With --start, recovery's WAL is fetched ahead from the moment PostgreSQL starts. Left to
 * restore_command, the prefetcher would start with recovery's first question (a timeline history
 * probe), in a JVM that recovery waits for, and the first segments would follow a second later.
 * So the restore does that first wal-fetch's work itself: once its checks have passed, and
 * before it writes the data directory, it starts the prefetcher idle, whose JVM then starts while
 * the files are written; just before PostgreSQL starts, it answers the history probes in the
 * spool. Recovery's first segment request (bin/pgbk's want/) then sets the waiting prefetcher
 * going, and bin/pgbk's fast path serves recovery from its first question to its last.
 *
 * Only when restore_command will run this very pgbk (bin/pgbk names itself in the pgbk.launcher
 * property) as this OS user: a pgbk-command that fetches WAL its own way must not find a
 * prefetcher competing with it for the cores, and a spool written by root would be of no use to
 * PostgreSQL's user (a restore as root leaves the spool to that user's first wal-fetch).
 * Everything here is an optimisation: a failure is logged, and recovery then starts the
 * prefetcher itself, as it always could. A prefetcher left waiting (a failed restore, a restore
 * longer than its idle timeout) stops by itself.
 */
package io.pgbk.cli.command.restore;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.walprefetch.WalPrefetchCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Settings;
import io.pgbk.core.archive.ArchiveSpool;
import io.pgbk.core.archive.SpoolLock;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.archive.WalPrefetcher;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.error.PgbkException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class RecoveryPrefetch {

    /** The system property through which bin/pgbk names itself (its real path). */
    static final String LAUNCHER_PROPERTY = "pgbk.launcher";

    private static final Logger log = LoggerFactory.getLogger(RecoveryPrefetch.class);

    private final CommandContext context;
    private final Repository repository;
    private final ArchiveSpool spool;
    /** The timeline recovery starts on, once the prefetcher is started. */
    private TimelineId timeline;

    private RecoveryPrefetch(CommandContext context, Repository repository, ArchiveSpool spool) {
        this.context = context;
        this.repository = repository;
        this.spool = spool;
    }

    /**
     * A prefetch ahead of the recovery a restore is about to prepare, when its restore_command runs
     * pgbkCommand: empty when that is not this pgbk run by this OS user, or prefetch is off.
     */
    static Optional<RecoveryPrefetch> forRestore(CommandContext context, Repository repository, String pgbkCommand) {
        Configuration configuration = context.configuration();
        if (configuration.require(Settings.PREFETCH) == 0 || !isThisPgbk(pgbkCommand, context.environment())
                || "root".equals(System.getProperty("user.name"))) {
            return Optional.empty();
        }
        return Optional.of(new RecoveryPrefetch(context, repository,
                ArchiveSpool.of(configuration.require(Settings.SPOOL_PATH), repository.clusterName())));
    }

    /**
     * Starts the prefetcher, once the restore's checks have passed, so that its JVM starts while
     * the files are written; it waits for recovery's first request. Fetching during the restore
     * competed with it for the disk and the cores (a restore plus replay took 1.2 s longer), and
     * fetching from PostgreSQL's start delayed its SyncDataDirectory (docs/benchmarks.md). Does
     * nothing when a prefetcher runs already.
     */
    void startIdle(WalSegmentName recoveryFirst) {
        try {
            Optional<SpoolLock> free = SpoolLock.tryAcquire(spool.prefetchLock());
            if (free.isEmpty()) {
                log.info("a WAL prefetcher already runs for {}: recovery will start without WAL fetched ahead", spool.root());
                return;
            }
            try (SpoolLock lock = free.get()) {
                Optional<ClusterInfo> cluster = repository.clusterInfo();
                if (cluster.isPresent()) {
                    WalPrefetchCommand.handOver(context.configuration(), spool, lock, Optional.empty(),
                            cluster.get().systemIdentifier());
                    timeline = recoveryFirst.timeline();
                    log.debug("started the WAL prefetcher; recovery will ask for {} first", recoveryFirst);
                }
            }
        } catch (PgbkException | IOException e) {
            log.warn("cannot prefetch WAL into {} ahead of recovery: {}", spool.root(), e.getMessage());
        }
    }

    /**
     * Just before PostgreSQL starts: records whether the repository has the history files recovery
     * asks for first. The prefetcher renews these answers every second once recovery is under way,
     * and bin/pgbk trusts one only for a few seconds.
     */
    void recoveryStarts() {
        if (timeline == null) {
            return;
        }
        try {
            WalPrefetcher.lookForTimelineHistories(spool.prefetchQueue(), new WalArchive(repository, Compression.NONE),
                    timeline, context.clock().instant());
        } catch (PgbkException e) {
            log.warn("cannot prefetch WAL into {} ahead of recovery: {}", spool.root(), e.getMessage());
        }
    }

    /** Whether command (a path, or a name looked up in PATH as a shell would) is the launcher running this JVM. */
    private static boolean isThisPgbk(String command, Map<String, String> environment) {
        String launcher = System.getProperty(LAUNCHER_PROPERTY);
        if (launcher == null) {
            return false;
        }
        Optional<Path> program = command.contains("/") ? Optional.of(Path.of(command))
                : Stream.of(environment.getOrDefault("PATH", "").split(File.pathSeparator))
                        .filter(directory -> !directory.isEmpty())
                        .map(directory -> Path.of(directory, command))
                        .filter(Files::isExecutable)
                        .findFirst();
        try {
            return program.isPresent() && Files.isSameFile(program.get(), Path.of(launcher));
        } catch (IOException e) {
            return false;
        }
    }
}
