package io.pgbk.testkit.os;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A process the test kit started, with the file its output goes to. Closing it ends the process:
 * SIGTERM, then SIGKILL when it does not exit in time.
 */
public record LoggedProcess(String what, Process process, LogFile log) implements AutoCloseable {

    private static final Duration GRACE = Duration.ofSeconds(10);

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits up to {@code timeout} for the process to exit; true when it has. */
    public boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!waitForExit(GRACE)) {
            process.destroyForcibly();
            waitForExit(GRACE);
        }
    }
}
