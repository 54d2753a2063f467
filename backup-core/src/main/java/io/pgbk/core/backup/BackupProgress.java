/*
 * How far a running backup is, for a progress display: the engine counts, the caller reads on
 * its own schedule (a bar on a terminal, a log line every few seconds), so the copy never waits
 * for output.
 */
package io.pgbk.core.backup;

import java.util.concurrent.atomic.AtomicLong;

public final class BackupProgress {

    private final AtomicLong total = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private volatile String phase = "starting";

    void start(long bytes) {
        total.set(bytes);
    }

    void copied(long bytes) {
        done.addAndGet(bytes);
    }

    void phase(String value) {
        phase = value;
    }

    /** Bytes of the data directory to read, as scanned. */
    public long total() {
        return total.get();
    }

    /** Bytes read so far. */
    public long done() {
        return done.get();
    }

    /** What the backup is doing: "starting", "copying", "waiting for WAL", ... */
    public String phase() {
        return phase;
    }
}
