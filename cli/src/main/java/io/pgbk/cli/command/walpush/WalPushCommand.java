/*
 * `pgbk wal-push PATH`: PostgreSQL's archive_command ('pgbk wal-push %%p'). Exit status 0 tells
 * PostgreSQL the segment is durable in the repository and may be recycled; anything else makes
 * it keep the segment and call again later, so every failure must be non-zero, and a retry of a
 * segment that did get stored (same content) must succeed.
 */
package io.pgbk.cli.command.walpush;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.archive.WalArchive;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

@Command(name = "wal-push", mixinStandardHelpOptions = true,
        description = {"Archive one WAL file into the repository: archive_command = 'pgbk wal-push %%p'.",
                "A file already archived with the same content succeeds; different content fails and is not overwritten."})
public final class WalPushCommand implements PgbkCommand {

    @Parameters(index = "0", paramLabel = "PATH",
            description = "The WAL file (%%p: relative to the data directory, where PostgreSQL runs the command).")
    private Path walFile;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(ConfiguredRepository.SETTINGS);
        settings.add(Settings.COMPRESS);
        return settings;
    }

    @Override
    public ExitStatus run(CommandContext context) {
        Configuration configuration = context.configuration();
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration)) {
            new WalArchive(repository.repository(), configuration.require(Settings.COMPRESS)).push(walFile);
        }
        return ExitStatus.OK;
    }
}
