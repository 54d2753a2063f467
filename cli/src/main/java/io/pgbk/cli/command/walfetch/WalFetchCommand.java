/*
 * `pgbk wal-fetch NAME DEST`: PostgreSQL's restore_command ('pgbk wal-fetch %%f %%p'). Recovery
 * asks for files that do not exist as a matter of course (the segment after the last archived
 * one, history files of timelines that never were), and a non-zero exit is how it learns that:
 * so a missing file is one quiet line and exit status 1, not an error report.
 *
 * A JVM per segment is far slower than recovery, so with prefetch > 0 this command is only the
 * slow path: bin/pgbk hands out segments a background prefetcher (wal-prefetch) has put in the
 * spool, and this runs when the spool does not have the one asked for. It then fetches the
 * segment itself, tells the prefetcher where recovery is, and starts one if none is running.
 * The prefetch spool is an optimisation: a failure there is logged, never the fetch's failure.
 */
package io.pgbk.cli.command.walfetch;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.command.walprefetch.WalPrefetchCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.archive.ArchiveSpool;
import io.pgbk.core.archive.SpoolLock;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
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
        return WalPrefetchCommand.prefetchSettings();
    }

    @Override
    public ExitStatus run(CommandContext context) {
        Configuration configuration = context.configuration();
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration)) {
            // Reading needs no codec setting: each stored object names its own.
            boolean found = new WalArchive(repository.repository(), Compression.NONE).fetch(walName, destination);
            WalFileName name = WalFileName.parse(walName);
            if (configuration.require(Settings.PREFETCH) > 0 && name.kind() == WalFileName.Kind.SEGMENT) {
                prefetchAfter(configuration, repository.repository().clusterName(), name.segment().orElseThrow(), found);
            }
            if (found) {
                return ExitStatus.OK;
            }
            log.info("WAL file {} is not in {}", walName, repository.repository().describe());
            return ExitStatus.FAILURE;
        }
    }

    private void prefetchAfter(Configuration configuration, String cluster, WalSegmentName segment, boolean found) {
        ArchiveSpool spool = ArchiveSpool.of(configuration.require(Settings.SPOOL_PATH), cluster);
        try {
            // A segment's size is the cluster's segment size: no need to ask the repository.
            spool.prefetchQueue().continueFrom(found ? segment.next(WalSegmentSize.ofBytes(Files.size(destination))) : segment);
            if (!SpoolLock.isHeld(spool.prefetchLock())) {
                WalPrefetchCommand.startInBackground(configuration, spool);
            }
        } catch (PgbkException | IOException e) {
            log.warn("cannot prefetch WAL into {}: {}", spool.root(), e.getMessage());
        }
    }
}
