/*
 * `pgbk wal-fetch NAME DEST`: PostgreSQL's restore_command ('pgbk wal-fetch %%f %%p'). Recovery
 * asks for files that do not exist as a matter of course (the segment after the last archived
 * one, history files of timelines that never were), and a non-zero exit is how it learns that:
 * so a missing file is one quiet line and exit status 1, not an error report.
 *
 * A JVM per segment is far slower than recovery, so with prefetch > 0 this command is only the
 * slow path: bin/pgbk hands out segments a background prefetcher (wal-prefetch) has put in the
 * spool, and this runs when the spool does not have the one asked for. It then fetches the
 * file itself, tells the prefetcher where recovery is, and starts one if none is running (whatever
 * the file, so that recovery's first question, a timeline history probe, starts it); when it
 * starts one, it also fetches the first few segments ahead itself while that one starts.
 * The prefetch spool is an optimisation: a failure there is logged, never the fetch's failure.
 *
 * --target-timeline N (pgbk restore writes it for a recovery that ends on timeline N) lets a
 * segment of N that the repository lacks come from its stored .partial, the last of a timeline
 * that ended inside it (WalArchive). Only this command does that: the prefetcher fetches plain
 * names, and bin/pgbk leaves a "missing" for such a segment to this command.
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
import io.pgbk.core.archive.PrefetchQueue;
import io.pgbk.core.archive.RecoveryStart;
import io.pgbk.core.archive.SpoolLock;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

@Command(name = "wal-fetch", mixinStandardHelpOptions = true,
        description = {"Restore one WAL file from the repository: restore_command = 'pgbk wal-fetch %%f %%p'.",
                "Exit status 1 when the repository does not have it."})
public final class WalFetchCommand implements PgbkCommand {

    private static final Logger log = LoggerFactory.getLogger(WalFetchCommand.class);

    @Option(names = "--target-timeline", paramLabel = "N",
            description = {"The timeline recovery ends on (pgbk restore writes it for --target-timeline N or current):",
                    "a segment of it the repository lacks is served from its stored NAME.partial, that timeline's last."})
    private Long targetTimeline;

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
            WalArchive archive = new WalArchive(repository.repository(), Compression.NONE);
            boolean found = archive.fetch(walName, destination, Optional.ofNullable(targetTimeline).map(TimelineId::new));
            if (configuration.require(Settings.PREFETCH) > 0) {
                prefetch(configuration, repository.repository(), archive, WalFileName.parse(walName), found);
            }
            if (found) {
                return ExitStatus.OK;
            }
            log.info("WAL file {} is not in {}", walName, repository.repository().describe());
            return ExitStatus.FAILURE;
        }
    }

    /*
     * A segment says where recovery is: the prefetcher continues after it, or from it when the
     * repository lacks it. Any other file, such as the timeline history probe that opens every
     * recovery before its first segment, only lets a new prefetcher start where the data directory
     * says recovery will begin (RecoveryStart): that way the first segment is already in the spool
     * instead of costing a second JVM.
     */
    private void prefetch(Configuration configuration, Repository repository, WalArchive archive, WalFileName name,
            boolean found) {
        ArchiveSpool spool = ArchiveSpool.of(configuration.require(Settings.SPOOL_PATH), repository.clusterName());
        try {
            boolean segment = name.kind() == WalFileName.Kind.SEGMENT;
            Optional<WalSegmentName> next = Optional.empty();
            if (segment) {
                next = Optional.of(found ? name.segment().orElseThrow().next(fetchedSegmentSize()) : name.segment().orElseThrow());
                spool.prefetchQueue().continueFrom(next.get());
            }
            Optional<SpoolLock> free = SpoolLock.tryAcquire(spool.prefetchLock());
            if (free.isEmpty()) {
                return;
            }
            try (SpoolLock lock = free.get()) {
                Optional<ClusterInfo> cluster = repository.clusterInfo();
                if (cluster.isEmpty()) {
                    return;
                }
                if (next.isEmpty()) {
                    next = RecoveryStart.of(Path.of("").toAbsolutePath(), cluster.get().walSegmentSize());
                    if (next.isEmpty()) {
                        return;
                    }
                }
                WalPrefetchCommand.handOver(configuration, spool, lock, next, cluster.get().systemIdentifier());
                if (found || !segment) {
                    fetchFirstBatch(configuration, archive, spool, next.get(), cluster.get().walSegmentSize());
                }
            }
        } catch (PgbkException | IOException e) {
            log.warn("cannot prefetch WAL into {}: {}", spool.root(), e.getMessage());
        }
    }

    /** A segment's size is the cluster's segment size: no need to ask the repository. */
    private WalSegmentSize fetchedSegmentSize() throws IOException {
        return WalSegmentSize.ofBytes(Files.size(destination));
    }

    /*
     * The prefetcher's JVM takes a moment to come up; until then recovery's requests wait for it
     * (bin/pgbk). This JVM is up anyway: it puts the next `jobs` segments in the spool, one parallel
     * round, and returns. More rounds kept recovery waiting on this JVM longer than the prefetcher
     * takes to start: from PostgreSQL's start to its first segment 1.5 s with up to 16 segments,
     * 1.2 s with one round (bench/wal-archive.sh, server logs). A failed fetch is left to the
     * prefetcher, which meets the same name next.
     */
    private static void fetchFirstBatch(Configuration configuration, WalArchive archive, ArchiveSpool spool,
            WalSegmentName next, WalSegmentSize size) {
        PrefetchQueue queue = spool.prefetchQueue();
        Set<String> queued = queue.queued();
        int jobs = configuration.require(Settings.JOBS);
        List<String> wanted = new ArrayList<>();
        WalSegmentName name = next;
        for (int i = 0; i < Math.min(jobs, configuration.require(Settings.PREFETCH)); i++, name = name.next(size)) {
            if (!queued.contains(name.toString())) {
                wanted.add(name.toString());
            }
        }
        if (!Files.exists(spool.prefetcherWaiting())) {
            archive.fetchAll(wanted, queue.directory(), jobs);
        }
    }
}
