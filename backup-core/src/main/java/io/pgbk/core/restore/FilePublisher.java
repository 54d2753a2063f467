/*
 * Finished files made durable and put in place (RestoredFile.publish: fsync, rename, mode and
 * time) on threads of their own. An fsync waits for the disk; done by the worker that wrote the
 * file, it would leave the CPU idle, so the workers hand finished files over here and go on
 * decompressing. The queue is bounded: when the disk falls behind, a worker publishes the file
 * itself, which slows the workers to the disk's pace instead of piling up unsynced files.
 */
package io.pgbk.core.restore;

import java.io.IOException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

final class FilePublisher implements AutoCloseable {

    private static final int QUEUED_FILES = 64;

    private final ThreadPoolExecutor pool;
    private final Queue<Future<Void>> published = new ConcurrentLinkedQueue<>();

    FilePublisher(int threads) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED_FILES),
                RestoreEngine.namedThreads("pgbk-restore-sync-"), new ThreadPoolExecutor.CallerRunsPolicy());
    }

    void publish(RestoredFile file) {
        published.add(pool.submit(() -> {
            file.publish();
            return null;
        }));
    }

    /** Waits until every file handed over is published; throws the first failure. */
    void awaitAll() throws IOException {
        RestoreEngine.awaitAll(List.copyOf(published));
    }

    /** Stops the threads and waits for them, so that no file is being published after this returns. */
    @Override
    public void close() {
        RestoreEngine.stop(pool);
    }
}
