/*
 * Progress of a running backup on stderr: on a terminal one line rewritten in place (a bar, bytes,
 * rate, ETA); elsewhere (a log, a cron mail) a plain line every few seconds. It reads the engine's
 * counters from its own named thread, so the copy never waits for output.
 */
package io.pgbk.cli.command.backup;

import io.pgbk.core.backup.BackupProgress;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

final class ProgressReport implements AutoCloseable {

    private static final int BAR_WIDTH = 30;

    private final BackupProgress progress;
    private final PrintWriter err;
    private final boolean terminal;
    private final Clock clock;
    private final Instant started;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "pgbk-backup-progress");
        thread.setDaemon(true);
        return thread;
    });

    ProgressReport(BackupProgress progress, PrintWriter err, boolean terminal, Clock clock) {
        this.progress = progress;
        this.err = err;
        this.terminal = terminal;
        this.clock = clock;
        this.started = clock.instant();
        long period = terminal ? 500 : 5000;
        ticker.scheduleAtFixedRate(this::print, period, period, TimeUnit.MILLISECONDS);
    }

    private void print() {
        long done = progress.done();
        long total = Math.max(1, progress.total());
        double seconds = Math.max(0.001, Duration.between(started, clock.instant()).toMillis() / 1000.0);
        double rate = done / seconds;
        String eta = rate > 0 && done < total ? String.format(" ETA %ds", (long) ((total - done) / rate)) : "";
        String numbers = String.format("%s: %s of %s, %s/s%s", progress.phase(), new ByteCount(done),
                new ByteCount(progress.total()), new ByteCount((long) rate), eta);
        if (terminal) {
            int filled = (int) Math.min(BAR_WIDTH, BAR_WIDTH * done / total);
            err.print("\r[" + "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] " + numbers + "   ");
        } else {
            err.println("pgbk backup " + numbers);
        }
        err.flush();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (terminal) {
            err.print("\r" + " ".repeat(BAR_WIDTH + 80) + "\r");
            err.flush();
        }
    }
}
