/*
 * The background half of archive_command (archive-async): pushes the segments PostgreSQL has
 * marked ready (pg_wal/archive_status/<name>.ready) on `jobs` threads, ahead of PostgreSQL's one
 * archive_command at a time, and records each outcome in the spool's out/ directory, where
 * bin/pgbk finds it when PostgreSQL gets to that segment. An .ok file is written only after the
 * repository has the object durably (WalArchive.push returns), so a success reported from the
 * spool is never a success for WAL that is not archived. A failure is recorded as .error and
 * not retried until the foreground command has reported it.
 *
 * It exits after `idleTimeout` without a ready segment; the next archive_command that finds no
 * outcome starts another. Only one runs per spool (SpoolLock).
 */
package io.pgbk.core.archive;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class WalPusher {

    private static final Logger log = LoggerFactory.getLogger(WalPusher.class);
    private static final String READY = ".ready";
    private static final Duration POLL = Duration.ofMillis(100);

    private final WalArchive archive;
    private final ArchiveSpool spool;
    private final Path walDirectory;
    private final int jobs;
    private final Duration idleTimeout;
    private final Clock clock;

    /** @param walDirectory the cluster's pg_wal */
    public WalPusher(WalArchive archive, ArchiveSpool spool, Path walDirectory, int jobs, Duration idleTimeout, Clock clock) {
        this.archive = archive;
        this.spool = spool;
        this.walDirectory = walDirectory;
        this.jobs = jobs;
        this.idleTimeout = idleTimeout;
        this.clock = clock;
    }

    /** Runs until idle; returns at once when another pusher holds the spool. */
    public void run() throws InterruptedException {
        Optional<SpoolLock> acquired = SpoolLock.tryAcquire(spool.pushLock());
        if (acquired.isEmpty()) {
            log.debug("another pusher is running for {}", spool.root());
            return;
        }
        try (SpoolLock lock = acquired.get()) {
            PushOutcomes outcomes = spool.pushOutcomes();
            outcomes.bindTo(ControlFileIdentity.of(walDirectory.toAbsolutePath().getParent()));
            Instant lastWork = clock.instant();
            while (Duration.between(lastWork, clock.instant()).compareTo(idleTimeout) < 0) {
                Set<String> ready = ready();
                outcomes.sweep(ready);
                List<String> pending = ready.stream().filter(name -> !outcomes.hasOutcome(name)).toList();
                if (pending.isEmpty()) {
                    Thread.sleep(POLL.toMillis());
                    continue;
                }
                List<Path> files = pending.stream().limit(jobs * 4L).map(walDirectory::resolve).toList();
                for (Attempt<PushResult> attempt : archive.pushAll(files, jobs)) {
                    if (attempt.succeeded()) {
                        outcomes.markArchived(attempt.walName());
                    } else {
                        String message = attempt.failure().map(PgbkException::getMessage).orElse("unknown failure");
                        log.warn("cannot archive {}: {}", attempt.walName(), message);
                        outcomes.markFailed(attempt.walName(), message);
                    }
                }
                lastWork = clock.instant();
            }
            log.info("no WAL ready for {}: stopping", idleTimeout);
        }
    }

    /** The names PostgreSQL has marked ready for archiving, oldest first. */
    private Set<String> ready() {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(walDirectory.resolve("archive_status"))) {
            files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(READY))
                    .forEach(name -> names.add(name.substring(0, name.length() - READY.length())));
        } catch (NoSuchFileException e) {
            throw new PgbkException(walDirectory + " has no archive_status directory: is it a PostgreSQL pg_wal?", e);
        } catch (IOException e) {
            throw new PgbkException("cannot list " + walDirectory.resolve("archive_status") + ": " + e.getMessage(), e);
        }
        return names;
    }
}
