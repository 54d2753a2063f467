package io.pgbk.core.backup;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * archive_command without the pgbk launcher: PostgreSQL copies each WAL file into a spool
 * directory, and this pushes it into the repository in-process with WalArchive, as wal-push would.
 */
final class SpoolArchiver implements AutoCloseable {

    private final TempDirectory spool = ServiceUser.forServers().createDirectory("walspool");
    private final WalArchive archive;
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

    private void pushAll() {
        try (Stream<Path> files = Files.list(spool.path())) {
            List<Path> ready = files.filter(file -> !file.getFileName().toString().startsWith(".")).sorted().toList();
            for (Path file : ready) {
                archive.push(file);
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
