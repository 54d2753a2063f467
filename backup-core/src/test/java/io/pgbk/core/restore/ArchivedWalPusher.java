package io.pgbk.core.restore;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Archiving for backup-core's tests, which have no pgbk launcher to put into archive_command:
 * PostgreSQL copies each file into a directory (archiveCommand), and a named thread pushes what
 * arrives there into the repository. restore_command copies files back from that directory.
 */
final class ArchivedWalPusher implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration PATIENCE = Duration.ofMinutes(1);
    /** History and backup history files are accepted only once a segment has told the repository its cluster. */
    private static final Comparator<Path> SEGMENTS_FIRST = Comparator
            .comparing((Path path) -> path.getFileName().toString().contains("."))
            .thenComparing(Path::getFileName);

    private final Path directory;
    private final WalArchive archive;
    private final Set<String> pushed = new HashSet<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<PgbkException> lastFailure = new AtomicReference<>();
    private final Thread thread;

    ArchivedWalPusher(Path directory, WalArchive archive) {
        this.directory = directory;
        this.archive = archive;
        this.thread = new Thread(this::run, "test-wal-pusher");
        thread.setDaemon(true);
        thread.start();
    }

    /** archive_command copying into directory under a temporary name, renamed once complete. */
    static String archiveCommand(Path directory) {
        return "cp %p " + directory + "/%f.tmp && mv " + directory + "/%f.tmp " + directory + "/%f";
    }

    /** restore_command copying back from directory. */
    static java.util.List<String> restoreCommand(Path directory) {
        return java.util.List.of("cp", directory + "/%f", "%p");
    }

    /** Waits until the file is in the repository. */
    void awaitStored(String walName) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (archive.stat(walName).isEmpty()) {
            if (Instant.now().isAfter(deadline)) {
                PgbkException failure = lastFailure.get();
                throw new IllegalStateException(walName + " did not reach the repository within " + PATIENCE
                        + (failure == null ? "" : "; last push failure: " + failure.getMessage()));
            }
            pause();
        }
    }

    private void run() {
        while (running.get()) {
            try (Stream<Path> listing = Files.list(directory)) {
                for (Path file : listing.filter(path -> path.getFileName().toString().startsWith("0"))
                        .sorted(SEGMENTS_FIRST).toList()) {
                    String name = file.getFileName().toString();
                    if (!name.endsWith(".tmp") && !pushed.contains(name)) {
                        archive.push(file);
                        pushed.add(name);
                    }
                }
            } catch (PgbkException e) {
                lastFailure.set(e); // tried again next round, reported by awaitStored if it persists
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(PATIENCE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
