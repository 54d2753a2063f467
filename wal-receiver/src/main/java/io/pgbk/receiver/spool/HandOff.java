/*
 * The spool's one consumer thread ("pgbk-wal-handoff"). Finished files are handed to the
 * CompletedWalConsumer in the order they were queued, one at a time, off the streaming thread:
 * a slow repository must not stop the receiver from answering the server (which would time the
 * connection out), only hold back the position reported as flushed.
 *
 * "Stored up to" is the end of the WAL that the consumer has accepted, in order: it never passes
 * a file still waiting, so the server never releases WAL that is only in the spool. A file the
 * consumer rejects stays first in line and is offered again after a growing pause.
 */
package io.pgbk.receiver.spool;

import io.pgbk.core.wal.Lsn;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

final class HandOff implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HandOff.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofMinutes(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    /**
     * A file waiting for the consumer (the first one stays in the queue while it is being
     * stored); end is the WAL position it completes, empty for history files.
     */
    record Item(Path file, Optional<Lsn> end, long bytes) {

        Item(Path file, Optional<Lsn> end) {
            this(file, end, sizeOf(file));
        }

        Item cappedAt(Lsn cap) {
            return new Item(file, end.map(e -> e.compareTo(cap) > 0 ? cap : e), bytes);
        }

        private static long sizeOf(Path file) {
            try {
                return Files.size(file);
            } catch (IOException e) {
                throw new PgbkException("cannot read the size of " + file + " in the WAL spool: " + e.getMessage(), e);
            }
        }
    }

    private final CompletedWalConsumer consumer;
    private final List<Item> queue = new ArrayList<>();
    private final Thread thread;
    private Lsn storedUpTo = Lsn.INVALID;
    /** Why the consumer rejected the file now first in line; empty once a file was accepted after it. */
    private Optional<String> lastFailure = Optional.empty();
    private boolean closing;

    HandOff(CompletedWalConsumer consumer) {
        this.consumer = consumer;
        this.thread = new Thread(this::run, "pgbk-wal-handoff");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    synchronized void add(Item item) {
        queue.add(item);
        notifyAll();
    }

    /** The end of the WAL the consumer has accepted, in order; Lsn.INVALID before anything is known. */
    synchronized Lsn storedUpTo() {
        return storedUpTo;
    }

    /**
     * A stream begins at start: the WAL before it is stored, or queued here. Queued files count
     * for no more than start from now on, because what they hold beyond it may be WAL of an old
     * timeline that the server never had (lost in a failover), and the server must never hear of
     * it as flushed.
     */
    synchronized void rebase(Lsn start) {
        if (queue.isEmpty()) {
            storedUpTo = start;
            return;
        }
        if (storedUpTo.compareTo(start) > 0) {
            storedUpTo = start;
        }
        queue.replaceAll(item -> item.cappedAt(start));
    }

    synchronized int waiting() {
        return queue.size();
    }

    /** The bytes of the files queued or being stored. */
    synchronized long waitingBytes() {
        return queue.stream().mapToLong(Item::bytes).sum();
    }

    /** The consumer's latest refusal, while no file has been accepted since. */
    synchronized Optional<String> lastFailure() {
        return lastFailure;
    }

    /** Blocks until every queued file has been accepted or timeout passes; true when the queue is empty. */
    synchronized boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!queue.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    private void run() {
        Duration retry = FIRST_RETRY;
        while (true) {
            Item item;
            synchronized (this) {
                while (queue.isEmpty() && !closing) {
                    waitQuietly(Duration.ZERO);
                }
                if (closing) {
                    return;
                }
                item = queue.get(0);
            }
            Optional<String> failure = offer(item);
            synchronized (this) {
                lastFailure = failure;
                if (failure.isEmpty()) {
                    Item done = queue.remove(0);
                    done.end().filter(end -> end.compareTo(storedUpTo) > 0).ifPresent(end -> storedUpTo = end);
                    retry = FIRST_RETRY;
                } else {
                    waitQuietly(retry);
                    retry = retry.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : retry.multipliedBy(2);
                }
                notifyAll();
            }
        }
    }

    /** Hands one file to the consumer; the reason it was refused, empty when it was stored. */
    private Optional<String> offer(Item item) {
        try {
            consumer.accept(item.file());
        } catch (PgbkException e) {
            LOG.warn("cannot store {}, will retry: {}", item.file().getFileName(), e.getMessage());
            return Optional.of(e.getMessage());
        } catch (Exception e) {
            LOG.warn("cannot store {}, will retry: {}", item.file().getFileName(), e.toString());
            LOG.debug("store failure", e);
            return Optional.of(e.toString());
        }
        try {
            Files.deleteIfExists(item.file());
            AtomicFile.fsyncDirectory(item.file().getParent());
        } catch (IOException e) {
            LOG.warn("stored {} but cannot remove it from the spool: {}", item.file().getFileName(), e.toString());
        }
        LOG.debug("stored {}", item.file().getFileName());
        return Optional.empty();
    }

    /** Waits on this monitor; Duration.ZERO waits until notified. A close interrupts every wait. */
    private void waitQuietly(Duration duration) {
        try {
            wait(duration.toMillis());
        } catch (InterruptedException e) {
            closing = true;
        }
    }

    /**
     * Lets the file being stored finish (within a bound), then stops; files still queued stay in
     * the spool and are handed off after the next start.
     */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        try {
            thread.join(CLOSE_WAIT.toMillis());
            if (thread.isAlive()) {
                LOG.warn("storing a WAL file did not finish within {} s; abandoning it", CLOSE_WAIT.toSeconds());
                thread.interrupt();
                thread.join(FIRST_RETRY.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
