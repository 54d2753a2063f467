/*
 * `pgbk wal-push PATH`: PostgreSQL's archive_command ('pgbk wal-push %%p'). Exit status 0 tells
 * PostgreSQL the segment is durable in the repository and may be recycled; anything else makes
 * it keep the segment and call again later, so every failure must be non-zero, and a retry of a
 * segment that did get stored (same content) must succeed.
 *
 * With archive-async, a background pusher (wal-push-async) archives the segments PostgreSQL has
 * marked ready ahead of it and leaves each outcome in the spool; bin/pgbk answers a success from
 * there without a JVM. This command runs when no success waits: it reports a recorded failure
 * (once; the next call tries again), or archives the segment itself, and starts a pusher if none
 * is running.
 */
package io.pgbk.cli.command.walpush;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.command.walpushasync.WalPushAsyncCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.archive.ArchiveSpool;
import io.pgbk.core.archive.ControlFileIdentity;
import io.pgbk.core.archive.PushOutcomes;
import io.pgbk.core.archive.SpoolLock;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.error.PgbkException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

@Command(name = "wal-push", mixinStandardHelpOptions = true,
        description = {"Archive one WAL file into the repository: archive_command = 'pgbk wal-push %%p'.",
                "A file already archived with the same content succeeds; different content fails and is not overwritten."})
public final class WalPushCommand implements PgbkCommand {

    @Parameters(index = "0", paramLabel = "PATH",
            description = "The WAL file (%%p: relative to the data directory, where PostgreSQL runs the command).")
    private Path walFile;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(WalPushAsyncCommand.pushSettings());
        settings.add(Settings.ARCHIVE_ASYNC);
        return settings;
    }

    @Override
    public ExitStatus run(CommandContext context) {
        Configuration configuration = context.configuration();
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration)) {
            Path walDirectory = walFile.toAbsolutePath().getParent();
            // A file outside a data directory (pushed by hand) is simply pushed: there is no pg_wal to work ahead in.
            if (configuration.require(Settings.ARCHIVE_ASYNC) && Files.isReadable(controlFile(walDirectory))) {
                ArchiveSpool spool = ArchiveSpool.of(configuration.require(Settings.SPOOL_PATH),
                        repository.repository().clusterName());
                Optional<PushOutcomes.Outcome> outcome = spool.pushOutcomes().take(String.valueOf(walFile.getFileName()),
                        ControlFileIdentity.of(walDirectory.getParent()));
                if (!SpoolLock.isHeld(spool.pushLock())) {
                    WalPushAsyncCommand.startInBackground(configuration, spool, walDirectory);
                }
                if (outcome.isPresent()) {
                    outcome.get().failure().ifPresent(message -> {
                        throw new PgbkException(message);
                    });
                    return ExitStatus.OK;
                }
            }
            new WalArchive(repository.repository(), configuration.require(Settings.COMPRESS)).push(walFile);
        }
        return ExitStatus.OK;
    }

    private static Path controlFile(Path walDirectory) {
        return walDirectory.resolveSibling("global").resolve("pg_control");
    }
}
