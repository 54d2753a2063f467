/*
 * `pgbk wal-prefetch`: the prefetcher behind restore_command, started in the background by
 * wal-fetch or `restore --start` (one per spool; it exits when recovery stops asking). It follows what wal-fetch
 * records in the spool, so it takes no arguments; running it by hand is harmless.
 */
package io.pgbk.cli.command.walprefetch;

import io.pgbk.cli.background.DetachedCommand;
import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.archive.ArchiveSpool;
import io.pgbk.core.archive.PrefetchQueue;
import io.pgbk.core.archive.SpoolLock;
import io.pgbk.core.archive.WalPrefetcher;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.WalSegmentName;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

@Command(name = "wal-prefetch", mixinStandardHelpOptions = true,
        description = {"Fetch the WAL segments recovery will ask for next into the spool (started by wal-fetch).",
                "Stops after " + WalPrefetchCommand.IDLE_SECONDS + " s without recovery moving on."})
public final class WalPrefetchCommand implements PgbkCommand {

    static final int IDLE_SECONDS = 30;

    /** The settings of the prefetcher, which wal-fetch reads as well to start it. */
    public static List<Setting<?>> prefetchSettings() {
        List<Setting<?>> settings = new ArrayList<>(ConfiguredRepository.SETTINGS);
        settings.addAll(List.of(Settings.SPOOL_PATH, Settings.PREFETCH, Settings.JOBS));
        return settings;
    }

    /**
     * Hands the spool, which this process holds (lock), to a new prefetcher that starts at first
     * (empty: when PrefetchQueue.continueFrom says where). The spool is bound to system and told
     * where to start before the new process's pid goes into the lock file: from then on bin/pgbk's
     * requests for segments reach it, even before it is up.
     */
    public static void handOver(Configuration configuration, ArchiveSpool spool, SpoolLock lock,
            Optional<WalSegmentName> first, SystemIdentifier system) throws IOException {
        PrefetchQueue queue = spool.prefetchQueue();
        first.ifPresentOrElse(queue::continueFrom, queue::forgetStart);
        queue.bindTo(system);
        // The prefetcher waits for this lock: its JVM starts while this one goes on.
        Files.deleteIfExists(spool.prefetcherWaiting());
        lock.handOver(new DetachedCommand("wal-prefetch", prefetchSettings(), List.of())
                .start(configuration, spool.log("prefetch")));
    }

    @Override
    public List<Setting<?>> settings() {
        return prefetchSettings();
    }

    @Override
    public ExitStatus run(CommandContext context) throws InterruptedException {
        Configuration configuration = context.configuration();
        int depth = configuration.require(Settings.PREFETCH);
        if (depth == 0) {
            return ExitStatus.OK;
        }
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration)) {
            ArchiveSpool spool = ArchiveSpool.of(configuration.require(Settings.SPOOL_PATH), repository.repository().clusterName());
            new WalPrefetcher(repository.repository(), spool, depth, configuration.require(Settings.JOBS),
                    Duration.ofSeconds(IDLE_SECONDS), context.clock()).run();
        }
        return ExitStatus.OK;
    }
}
