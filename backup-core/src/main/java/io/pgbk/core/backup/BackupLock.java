/*
 * One backup per cluster at a time. Two locks, because they fail differently:
 *  - a file lock (FileChannel.tryLock) in the local lock directory excludes a second backup on
 *    this host at once, and the kernel releases it when the process dies;
 *  - an object locks/backup in the repository excludes backups from other hosts. An object
 *    store has no locks that die with a process, so the holder rewrites it with a heartbeat
 *    (every staleAfter / 10) and a lock whose heartbeat is older than staleAfter is taken over:
 *    a crashed backup blocks the next one for at most that long.
 * The store has no compare-and-swap, so a takeover is a put followed by a read-back check; the
 * engine calls verifyHeld() before it commits a backup, so two processes racing for a stale
 * lock cannot both publish one.
 */
package io.pgbk.core.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.error.PgbkException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class BackupLock implements AutoCloseable {

    public static final String KEY = "locks/backup";
    private static final Logger log = LoggerFactory.getLogger(BackupLock.class);

    private final Repository repository;
    private final Clock clock;
    private final FileChannel channel;
    private final FileLock fileLock;
    private final ScheduledExecutorService heartbeat;
    private volatile LockHolder holder;
    private volatile String lost;

    private BackupLock(Repository repository, Clock clock, FileChannel channel, FileLock fileLock, LockHolder holder,
            Duration staleAfter) {
        this.repository = repository;
        this.clock = clock;
        this.channel = channel;
        this.fileLock = fileLock;
        this.holder = holder;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "pgbk-backup-lock-" + repository.clusterName());
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(1, staleAfter.toMillis() / 10);
        heartbeat.scheduleAtFixedRate(this::beat, period, period, TimeUnit.MILLISECONDS);
    }

    /** Takes both locks for a backup of backupId, or refuses naming the holder. */
    public static BackupLock acquire(Repository repository, Path lockDirectory, String backupId, Clock clock,
            Duration staleAfter) {
        FileChannel channel = null;
        try {
            Files.createDirectories(lockDirectory);
            channel = FileChannel.open(lockDirectory.resolve("backup-" + repository.clusterName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock = tryLock(channel);
            if (fileLock == null) {
                throw new PgbkException("another pgbk backup of cluster '" + repository.clusterName()
                        + "' is running on this host (lock file in " + lockDirectory + ")");
            }
            LockHolder mine = new LockHolder(UUID.randomUUID().toString(), hostName(), ProcessHandle.current().pid(),
                    backupId, clock.instant());
            takeRepositoryLock(repository, mine, clock, staleAfter);
            return new BackupLock(repository, clock, channel, fileLock, mine, staleAfter);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new PgbkException("cannot create the backup lock file in " + lockDirectory + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Fails when another process took the lock over (this one looked dead to it). */
    public void verifyHeld() {
        if (lost != null) {
            throw new PgbkException(lost);
        }
        Optional<LockHolder> current = read(repository);
        if (current.isEmpty() || !current.get().owner().equals(holder.owner())) {
            throw new PgbkException("the backup lock in " + repository.describe() + " was taken over by "
                    + current.map(LockHolder::describe).orElse("nobody (removed)")
                    + " while this backup ran: discarding this backup");
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            if (read(repository).filter(current -> current.owner().equals(holder.owner())).isPresent()) {
                repository.delete(KEY);
            }
        } catch (PgbkException e) {
            log.warn("cannot remove the backup lock {}: {} (it goes stale by itself)", repository.objectName(KEY),
                    e.getMessage());
        } finally {
            try (channel) {
                fileLock.release();
            } catch (IOException e) {
                log.debug("releasing the local backup lock failed", e);
            }
        }
    }

    /** The lock's content, if a backup holds it; for messages of other commands (expire). */
    public static Optional<LockHolder> read(Repository repository) {
        return repository.get(KEY).map(in -> {
            try (in) {
                return json().readValue(in.readAllBytes(), LockHolder.class);
            } catch (IOException e) {
                throw new PgbkException("cannot read the backup lock " + repository.objectName(KEY) + ": "
                        + e.getMessage(), e);
            }
        });
    }

    private void beat() {
        try {
            Optional<LockHolder> current = read(repository);
            if (current.isEmpty() || !current.get().owner().equals(holder.owner())) {
                lost = "the backup lock in " + repository.describe() + " was taken over by "
                        + current.map(LockHolder::describe).orElse("nobody (removed)") + ": discarding this backup";
                return;
            }
            holder = holder.beat(clock.instant());
            repository.put(KEY, sealed(holder));
        } catch (RuntimeException e) {
            log.warn("cannot renew the backup lock {}: {}", repository.objectName(KEY), e.getMessage());
        }
    }

    private static void takeRepositoryLock(Repository repository, LockHolder mine, Clock clock, Duration staleAfter) {
        if (repository.putIfAbsent(KEY, sealed(mine))) {
            return;
        }
        Optional<LockHolder> current = read(repository);
        if (current.isPresent()) {
            Duration age = Duration.between(current.get().heartbeat(), clock.instant());
            if (age.compareTo(staleAfter) < 0) {
                throw new PgbkException("another backup is running: " + current.get().describe()
                        + " holds the backup lock of " + repository.describe() + " (heartbeat " + age.toSeconds()
                        + " s ago; a lock is taken over after " + staleAfter.toSeconds() + " s without one)");
            }
            log.warn("taking over the backup lock of {} from {}: no heartbeat for {} s", repository.describe(),
                    current.get().describe(), age.toSeconds());
        }
        repository.put(KEY, sealed(mine));
        Optional<LockHolder> check = read(repository);
        if (check.isEmpty() || !check.get().owner().equals(mine.owner())) {
            throw new PgbkException("another backup took the backup lock of " + repository.describe()
                    + " at the same time: " + check.map(LockHolder::describe).orElse("unknown"));
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // held by this JVM: another backup in the same process
        }
    }

    private static SealingInputStream sealed(LockHolder holder) {
        try {
            return new SealingInputStream(new ByteArrayInputStream(json().writeValueAsBytes(holder)), Compression.NONE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the backup lock as JSON", e);
        } catch (IOException e) {
            throw new IllegalStateException("an uncompressed seal cannot fail", e);
        }
    }

    /** The manifest's JSON form: times as ISO-8601 text, unknown fields ignored. */
    private static ObjectMapper json() {
        return new ManifestJson().mapper();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("closing the lock file failed", e);
            }
        }
    }
}
