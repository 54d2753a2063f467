package io.pgbk.receiver.spool;

import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

/**
 * A repository stand-in for tests: a plain directory. Like the real archive it accepts a second
 * copy of identical content and refuses different content. It records the order of what it was
 * given, and a test can hold it back (a slow repository) or make it fail (an unreachable one).
 */
public final class DirectoryConsumer implements CompletedWalConsumer {

    private final Path directory;
    private final WalSegmentSize size;
    private final List<String> accepted = new CopyOnWriteArrayList<>();
    private final List<ClusterInfo> claimed = new CopyOnWriteArrayList<>();
    private final List<WalGap> gaps = new CopyOnWriteArrayList<>();
    private final Semaphore permits = new Semaphore(Integer.MAX_VALUE);
    private volatile boolean unavailable;

    public DirectoryConsumer(Path directory, WalSegmentSize size) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.size = size;
    }

    /** Blocks every accept() from now on until release(). */
    public void hold() throws InterruptedException {
        permits.acquire(Integer.MAX_VALUE);
    }

    public void release() {
        permits.release(Integer.MAX_VALUE);
    }

    /** Makes accept() fail, like an unreachable repository, until available(true). */
    public void available(boolean yes) {
        unavailable = !yes;
    }

    @Override
    public void accept(Path walFile) throws Exception {
        if (unavailable) {
            throw new IOException("repository unavailable");
        }
        permits.acquire();
        try {
            Path target = directory.resolve(walFile.getFileName());
            if (Files.exists(target)) {
                if (!Arrays.equals(Files.readAllBytes(target), Files.readAllBytes(walFile))) {
                    throw new IllegalStateException(target.getFileName() + " exists with different content");
                }
            } else {
                Path temporary = directory.resolve("." + walFile.getFileName() + ".tmp");
                Files.copy(walFile, temporary, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            }
            accepted.add(walFile.getFileName().toString());
        } finally {
            permits.release();
        }
    }

    /** The directory belongs to whatever cluster the receiver checked against its settings. */
    @Override
    public void claim(ClusterInfo cluster, String server) {
        claimed.add(cluster);
    }

    @Override
    public void recordGap(WalGap gap) {
        gaps.add(gap);
    }

    public List<ClusterInfo> claims() {
        return claimed;
    }

    public List<WalGap> gaps() {
        return gaps;
    }

    @Override
    public Optional<WalSegmentName> newestStoredSegment() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("[0-9A-F]{24}"))
                    .map(WalSegmentName::parse)
                    .max((a, b) -> WalPosition.PROGRESS.compare(
                            new WalPosition(a.timeline(), a.startLsn(size)), new WalPosition(b.timeline(), b.startLsn(size))));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Names in the order they were accepted (repeats included). */
    public List<String> accepted() {
        return List.copyOf(accepted);
    }

    public Path directory() {
        return directory;
    }

    public Path file(String name) {
        return directory.resolve(WalFileName.parse(name).name());
    }
}
