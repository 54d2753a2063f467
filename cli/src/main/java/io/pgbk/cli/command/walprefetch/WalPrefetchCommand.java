/*
 * `pgbk wal-prefetch`: the prefetcher behind restore_command, started in the background by
 * wal-fetch (one per spool; it exits when recovery stops asking). It follows what wal-fetch
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
import io.pgbk.core.archive.WalPrefetcher;
import picocli.CommandLine.Command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

    /** Starts a prefetcher for this configuration in the background. */
    public static ProcessHandle startInBackground(Configuration configuration, ArchiveSpool spool) {
        return new DetachedCommand("wal-prefetch", prefetchSettings(), List.of()).start(configuration, spool.log("prefetch"));
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
