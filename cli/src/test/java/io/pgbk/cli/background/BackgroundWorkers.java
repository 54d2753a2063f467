package io.pgbk.cli.background;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The background workers (wal-prefetch, wal-push-async) a test's pgbk started, found by the
 * test's own config file on their command line, and stopped by process id. A worker may still be
 * starting when a test ends (spawned by the last restore_command), so stopping goes on until none
 * has been seen for a while.
 */
public final class BackgroundWorkers {

    private static final Duration QUIET = Duration.ofSeconds(3);

    private BackgroundWorkers() {
    }

    static List<ProcessHandle> running(Path config) {
        String marker = "--config " + config.toAbsolutePath();
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine()
                        .filter(line -> line.contains(marker) && (line.contains(" wal-prefetch") || line.contains(" wal-push-async")))
                        .isPresent())
                .toList();
    }

    /** Stops every worker of config and checks that none is left. */
    public static void stopAll(Path config) {
        Instant quietSince = Instant.now();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline) && Duration.between(quietSince, Instant.now()).compareTo(QUIET) < 0) {
            List<ProcessHandle> workers = running(config);
            if (!workers.isEmpty()) {
                quietSince = Instant.now();
            }
            for (ProcessHandle worker : workers) {
                worker.destroy();
                try {
                    worker.onExit().get(20, TimeUnit.SECONDS);
                } catch (Exception e) {
                    worker.destroyForcibly();
                }
            }
            pause();
        }
        assertThat(running(config)).as("pgbk workers left running").isEmpty();
    }

    /** Between two looks at the process table: this loop is the poll. */
    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping pgbk workers", e);
        }
    }
}
