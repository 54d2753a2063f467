/*
 * `pgbk wal-fetch NAME DEST`: PostgreSQL's restore_command ('pgbk wal-fetch %%f %%p'). Recovery
 * asks for files that do not exist as a matter of course (the segment after the last archived
 * one, history files of timelines that never were), and a non-zero exit is how it learns that:
 * so a missing file is one quiet line and exit status 1, not an error report.
 */
package io.pgbk.cli.command.walfetch;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

@Command(name = "wal-fetch", mixinStandardHelpOptions = true,
        description = {"Restore one WAL file from the repository: restore_command = 'pgbk wal-fetch %%f %%p'.",
                "Exit status 1 when the repository does not have it."})
public final class WalFetchCommand implements PgbkCommand {

    private static final Logger log = LoggerFactory.getLogger(WalFetchCommand.class);

    @Parameters(index = "0", paramLabel = "NAME", description = "The WAL file's name (%%f), e.g. 000000010000000000000003.")
    private String walName;

    @Parameters(index = "1", paramLabel = "DEST",
            description = "Where to write it (%%p: relative to the data directory, where PostgreSQL runs the command).")
    private Path destination;

    @Override
    public List<Setting<?>> settings() {
        return ConfiguredRepository.SETTINGS;
    }

    @Override
    public ExitStatus run(CommandContext context) {
        try (ConfiguredRepository repository = ConfiguredRepository.open(context.configuration())) {
            // Reading needs no codec setting: each stored object names its own.
            if (new WalArchive(repository.repository(), Compression.NONE).fetch(walName, destination)) {
                return ExitStatus.OK;
            }
            log.info("WAL file {} is not in {}", walName, repository.repository().describe());
            return ExitStatus.FAILURE;
        }
    }
}
