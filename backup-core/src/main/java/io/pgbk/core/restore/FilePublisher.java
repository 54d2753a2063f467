/*
 * Finished files made durable and put in place (RestoredFile.publish: fsync, rename, mode and
 * time) on threads of their own. An fsync waits for the disk; done by the worker that wrote the
 * file, it would leave the CPU idle, so the workers hand finished files over here and go on
 * decompressing. The queue is bounded: when the disk falls behind, a worker publishes the file
 * itself, which slows the workers to the disk's pace instead of piling up unsynced files.
 *
 * Writing back starts early too, for what goes through the page cache (AssemblyFile writes a new
 * file's whole blocks past it). The kernel writes dirty pages back on its own only past
 * dirty_background_ratio (10% of memory: 2.4 GiB on a 24 GiB machine, more than a whole restore
 * of a small cluster) or after 30 s, so the disk idled while the workers decompressed and was
 * then waited for in the fsyncs at the end. PostgreSQL asks for early writeback with
 * sync_file_range (checkpoint_flush_after), which Java lacks: a thread of its own fdatasyncs a
 * file being written every 32 MiB (LayerWriter), through a descriptor of its own, while the worker
 * goes on. A request that finds one waiting already is dropped: the fsync before publishing makes
 * the file durable in any case.
 */
package io.pgbk.core.restore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    private final ThreadPoolExecutor writeback = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1), RestoreEngine.namedThreads("pgbk-restore-writeback-"),
            new ThreadPoolExecutor.DiscardPolicy());
    private final Queue<Future<Void>> published = new ConcurrentLinkedQueue<>();

    FilePublisher(int threads) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED_FILES),
                RestoreEngine.namedThreads("pgbk-restore-sync-"), new ThreadPoolExecutor.CallerRunsPolicy());
    }

    /** Has the disk start on what was written to file so far, without waiting for it. */
    void startWriteback(Path file) {
        writeback.execute(() -> {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                channel.force(false);
            } catch (IOException e) {
                // renamed by its publication meanwhile, or failing: the publication's fsync tells
            }
        });
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
        RestoreEngine.stop(writeback);
        RestoreEngine.stop(pool);
    }
}
