package io.pgbk.core.backup;

import io.pgbk.core.archive.PushResult;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * archive_command without the pgbk launcher: PostgreSQL copies each WAL file into a spool
 * directory, and this pushes it into the repository in-process with WalArchive, as wal-push would.
 */
final class SpoolArchiver implements AutoCloseable {

    private final TempDirectory spool = ServiceUser.forServers().createDirectory("walspool");
    private final WalArchive archive;
    private final AtomicBoolean held = new AtomicBoolean();
    private final Map<String, PushResult.Outcome> pushed = new ConcurrentHashMap<>();
    private final ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor(
            runnable -> new Thread(runnable, "test-spool-archiver"));

    SpoolArchiver(WalArchive archive) {
        this.archive = archive;
        pusher.scheduleWithFixedDelay(this::pushAll, 50, 50, TimeUnit.MILLISECONDS);
    }

    /**
     * A primary's settings that archive into this archiver, keeping enough WAL for a standby
     * created from it to catch up.
     */
    PostgresOptions primaryOptions() {
        return PostgresOptions.defaults().withSetting("archive_mode", "on")
                .withSetting("archive_command", archiveCommand()).withSetting("wal_keep_size", "64MB");
    }

    /** The archive_command that feeds this archiver. */
    String archiveCommand() {
        Path dir = spool.path();
        return "cp %p " + dir + "/.%f && mv " + dir + "/.%f " + dir + "/%f";
    }

    /** Stops pushing, as an archive_command that lags behind: files wait in the spool until release(). */
    void hold() {
        held.set(true);
    }

    void release() {
        held.set(false);
    }

    /** The name of every file pushed so far, and how: a push that failed ends this archiver's work. */
    Map<String, PushResult.Outcome> pushed() {
        return Map.copyOf(pushed);
    }

    /** Whether the spool holds name, not yet pushed. */
    boolean holds(String name) {
        return Files.exists(spool.path().resolve(name));
    }

    private void pushAll() {
        if (held.get()) {
            return;
        }
        try (Stream<Path> files = Files.list(spool.path())) {
            List<Path> ready = files.filter(file -> !file.getFileName().toString().startsWith(".")).sorted().toList();
            for (Path file : ready) {
                pushed.put(file.getFileName().toString(), archive.push(file).outcome());
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        pusher.shutdownNow();
        pusher.awaitTermination(10, TimeUnit.SECONDS);
        spool.close();
    }
}
