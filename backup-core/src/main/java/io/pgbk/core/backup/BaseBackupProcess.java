/*
 * A running pg_basebackup: its stdout is the tar the backup reads, its stderr is kept (the last
 * lines, by a thread of its own so that a chatty child never blocks on a full pipe) to explain a
 * failure in one line. Closing it kills a child that is still running: a backup that failed on
 * pgbk's side must not leave a pg_basebackup holding a backup open on the server.
 */
package io.pgbk.core.backup;

import io.pgbk.error.PgbkException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class BaseBackupProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BaseBackupProcess.class);
    private static final int KEPT_LINES = 20;
    private static final String ERROR_PREFIX = "pg_basebackup: error: ";
    /** How long a child whose tar broke off gets to exit and say why. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(10);

    private final Process process;
    private final String server;
    private final Deque<String> stderr = new ArrayDeque<>();
    private final Thread stderrReader;

    private BaseBackupProcess(Process process, String server) {
        this.process = process;
        this.server = server;
        this.stderrReader = new Thread(this::readStderr, "pgbk-basebackup-stderr");
        stderrReader.setDaemon(true);
        stderrReader.start();
    }

    /** @param server the node, "host:port", for messages */
    static BaseBackupProcess start(BaseBackupCommand command, String label, String server) {
        ProcessBuilder builder = command.processBuilder(label);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            return new BaseBackupProcess(process, server);
        } catch (IOException e) {
            throw new PgbkException("cannot run " + builder.command().get(0) + ": " + e.getMessage()
                    + " (set pg-bin to PostgreSQL's bin directory)", e);
        }
    }

    /** The tar stream. */
    InputStream tar() {
        return process.getInputStream();
    }

    /** Waits for the end of a child whose tar was read to its end; fails when it did not succeed. */
    void finish() {
        int status = waitFor(Optional.empty()).orElseThrow();
        if (status != 0) {
            throw failure(status, null);
        }
    }

    /**
     * What to report when reading the tar failed with cause: the child's own error when it failed
     * (the tar broke off because it did), else cause itself.
     */
    RuntimeException explain(Exception cause) {
        Optional<Integer> status = waitFor(Optional.of(EXIT_GRACE));
        if (status.isPresent() && status.get() != 0) {
            return failure(status.get(), cause);
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        return new PgbkException("cannot read the base backup of " + server + " from pg_basebackup: "
                + cause.getMessage(), cause);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            stderrReader.join(EXIT_GRACE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<Integer> waitFor(Optional<Duration> timeout) {
        try {
            if (timeout.isEmpty()) {
                process.waitFor();
            } else if (!process.waitFor(timeout.get().toMillis(), TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
            stderrReader.join(EXIT_GRACE.toMillis());
            return Optional.of(process.exitValue());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while waiting for pg_basebackup", e);
        }
    }

    private PgbkException failure(int status, Exception cause) {
        List<String> lines;
        synchronized (stderr) {
            lines = List.copyOf(stderr);
        }
        String reason = lines.stream().filter(line -> line.startsWith(ERROR_PREFIX)).reduce((a, b) -> b)
                .map(line -> line.substring(ERROR_PREFIX.length()))
                .or(() -> lines.stream().filter(line -> !line.isBlank()).reduce((a, b) -> b))
                .orElse("no message");
        return new PgbkException("pg_basebackup from " + server + " failed (exit status " + status + "): "
                + reason.replaceAll("\\s+", " ").strip(), cause);
    }

    private void readStderr() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                log.debug("{}", line);
                synchronized (stderr) {
                    if (stderr.size() == KEPT_LINES) {
                        stderr.removeFirst();
                    }
                    stderr.addLast(line);
                }
            }
        } catch (IOException e) {
            log.debug("stopped reading pg_basebackup's stderr: {}", e.getMessage());
        }
    }
}
