/*
 * `pgbk wal-push-async PG_WAL`: the pusher behind archive_command with archive-async, started in
 * the background by wal-push (one per spool; it exits when PostgreSQL has nothing more ready).
 */
package io.pgbk.cli.command.walpushasync;

import io.pgbk.cli.background.DetachedCommand;
import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.archive.ArchiveSpool;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.archive.WalPusher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

@Command(name = "wal-push-async", mixinStandardHelpOptions = true,
        description = {"Archive the WAL segments PostgreSQL has marked ready, ahead of archive_command (started by "
                + "wal-push with archive-async).",
                "Stops after " + WalPushAsyncCommand.IDLE_SECONDS + " s without a ready segment."})
public final class WalPushAsyncCommand implements PgbkCommand {

    static final int IDLE_SECONDS = 30;

    @Parameters(index = "0", paramLabel = "PG_WAL", description = "The cluster's pg_wal directory.")
    private Path walDirectory;

    /** The settings of the pusher, which wal-push reads as well to start it. */
    public static List<Setting<?>> pushSettings() {
        List<Setting<?>> settings = new ArrayList<>(ConfiguredRepository.SETTINGS);
        settings.addAll(List.of(Settings.COMPRESS, Settings.SPOOL_PATH, Settings.JOBS));
        return settings;
    }

    /** Starts a pusher for walDirectory in the background. */
    public static void startInBackground(Configuration configuration, ArchiveSpool spool, Path walDirectory) {
        new DetachedCommand("wal-push-async", pushSettings(), List.of(walDirectory.toAbsolutePath().toString()))
                .start(configuration, spool.log("push"));
    }

    @Override
    public List<Setting<?>> settings() {
        return pushSettings();
    }

    @Override
    public ExitStatus run(CommandContext context) throws InterruptedException {
        Configuration configuration = context.configuration();
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration)) {
            ArchiveSpool spool = ArchiveSpool.of(configuration.require(Settings.SPOOL_PATH), repository.repository().clusterName());
            WalArchive archive = new WalArchive(repository.repository(), configuration.require(Settings.COMPRESS));
            new WalPusher(archive, spool, walDirectory, configuration.require(Settings.JOBS),
                    Duration.ofSeconds(IDLE_SECONDS), context.clock()).run();
        }
        return ExitStatus.OK;
    }
}
