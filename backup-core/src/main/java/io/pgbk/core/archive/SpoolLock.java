/*
 * One background worker per spool directory. The worker holds an exclusive lock on a file in
 * the spool for as long as it runs and writes its process id into it, so a foreground command
 * can see whether one is running (and start one when not) and an operator or a test can stop
 * it. The kernel drops the lock when the process dies, however it dies: no stale lock files.
 */
package io.pgbk.core.archive;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;

public final class SpoolLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private SpoolLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, with this process's id written into the file; empty when another process holds it. */
    public static Optional<SpoolLock> tryAcquire(Path lockFile) {
        FileChannel channel = open(lockFile);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            writePid(channel, ProcessHandle.current().pid());
            return Optional.of(new SpoolLock(channel, lock));
        } catch (OverlappingFileLockException e) {
            close(channel);
            return Optional.empty();
        } catch (IOException e) {
            close(channel);
            throw new PgbkException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Names the process that takes the lock over once this one releases it (a worker this process
     * started, waiting for the lock), so that whoever reads the file meanwhile finds the worker:
     * bin/pgbk asks a starting prefetcher for segments instead of starting a JVM of its own.
     */
    public void handOver(long pid) {
        try {
            writePid(channel, pid);
        } catch (IOException e) {
            throw new PgbkException("cannot write to the lock file: " + e.getMessage(), e);
        }
    }

    private static void writePid(FileChannel channel, long pid) throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    }

    /** Whether some process holds the lock now. */
    public static boolean isHeld(Path lockFile) {
        if (!Files.exists(lockFile)) {
            return false;
        }
        Optional<SpoolLock> probe = tryAcquire(lockFile);
        probe.ifPresent(SpoolLock::close);
        return probe.isEmpty();
    }

    /** The process id of the holder, when the lock is held. */
    public static OptionalLong holder(Path lockFile) {
        if (!isHeld(lockFile)) {
            return OptionalLong.empty();
        }
        try {
            String text = Files.readString(lockFile, StandardCharsets.US_ASCII).strip();
            return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static FileChannel open(Path lockFile) {
        try {
            Files.createDirectories(lockFile.getParent());
            return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new PgbkException("cannot open the lock file " + lockFile + ": " + e.getMessage(), e);
        }
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written that needs the close to succeed
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel below releases it as well
        }
        close(channel);
    }
}
