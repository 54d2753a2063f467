/*
 * The embedded object store: a directory tree on a local (or mounted) file system, one file per
 * object, the key's segments as the path below the root. It is the default repository and the
 * reference the S3 store is compared with.
 *
 * Every write goes through AtomicFile, so an object is visible only once durable. Temporary files
 * left by a crash are hidden (keys cannot start with '.') and are removed by the first write into
 * their directory once they are older than an hour: younger ones may belong to a writer that is
 * still running, in this process or another.
 *
 * Unlike S3, a file system cannot hold both an object "a" and an object "a/b": such a write fails
 * with a StorageException. Empty directories left by deletes are removed, so a layout that moves
 * on (backups expired, WAL trimmed) does not accumulate them.
 */
package io.pgbk.storage.local;

import io.pgbk.storage.io.BoundedInputStream;
import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.ObjectKey;
import io.pgbk.storage.ObjectStore;
import io.pgbk.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class LocalObjectStore implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(LocalObjectStore.class);
    private static final Duration STALE_TEMPORARY_AGE = Duration.ofHours(1);

    private final Path root;
    private final Clock clock;
    /** Directories already swept of stale temporary files by this instance: once is enough. */
    private final Set<Path> swept = ConcurrentHashMap.newKeySet();

    public LocalObjectStore(Path root) {
        this(root, Clock.systemUTC());
    }

    public LocalObjectStore(Path root, Clock clock) {
        this.root = root.toAbsolutePath().normalize();
        this.clock = clock;
    }

    public Path root() {
        return root;
    }

    @Override
    public void put(String key, InputStream content) {
        write(key, content, false);
    }

    @Override
    public boolean putIfAbsent(String key, InputStream content) {
        return write(key, content, true);
    }

    private boolean write(String key, InputStream content, boolean ifAbsent) {
        Path target = pathOf(key);
        sweepStaleTemporaries(target.getParent());
        try (AtomicFile file = AtomicFile.create(target)) {
            content.transferTo(file.out());
            if (ifAbsent) {
                return file.commitIfAbsent();
            }
            file.commit();
            return true;
        } catch (IOException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public Optional<InputStream> get(String key) {
        return getRange(key, 0, Long.MAX_VALUE);
    }

    @Override
    public Optional<InputStream> getRange(String key, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
        }
        Path path = pathOf(key);
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            try {
                channel.position(offset);
                return Optional.of(new BoundedInputStream(Channels.newInputStream(channel), length));
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        Path path = pathOf(key);
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("stat", key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        String checked = ObjectKey.checkPrefix(prefix);
        Path start = root.resolve(checked.substring(0, checked.lastIndexOf('/') + 1));
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<ObjectInfo> found = new ArrayList<>();
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                    if (dir.equals(start)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String dirKey = keyOf(dir) + "/";
                    boolean mayMatch = dirKey.startsWith(checked) || checked.startsWith(dirKey);
                    return mayMatch && !isHidden(dir) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile() && !isHidden(file)) {
                        String key = keyOf(file);
                        if (key.startsWith(checked)) {
                            found.add(new ObjectInfo(key, attributes.size(),
                                    attributes.lastModifiedTime().toInstant()));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // deleted while we walked
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw failure("list", checked, e);
        }
        found.sort(Comparator.comparing(ObjectInfo::key));
        return found;
    }

    @Override
    public void delete(String key) {
        Path path = pathOf(key);
        try {
            if (Files.deleteIfExists(path)) {
                AtomicFile.fsyncDirectory(path.getParent());
                removeEmptyDirectories(path.getParent());
            }
        } catch (IOException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public String describe() {
        return "file://" + root;
    }

    @Override
    public void close() {
        // nothing is held open between calls
    }

    @Override
    public String toString() {
        return describe();
    }

    private Path pathOf(String key) {
        Path path = root;
        for (String segment : ObjectKey.of(key).segments()) {
            path = path.resolve(segment);
        }
        return path;
    }

    private String keyOf(Path path) {
        StringBuilder key = new StringBuilder();
        for (Path segment : root.relativize(path)) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(segment);
        }
        return key.toString();
    }

    private static boolean isHidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private void removeEmptyDirectories(Path directory) throws IOException {
        for (Path dir = directory; !dir.equals(root) && dir.startsWith(root); dir = dir.getParent()) {
            try {
                Files.delete(dir);
                AtomicFile.fsyncDirectory(dir.getParent());
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return; // in use again, or removed by a concurrent delete
            }
        }
    }

    private void sweepStaleTemporaries(Path directory) {
        if (!Files.isDirectory(directory) || !swept.add(directory)) {
            return;
        }
        Instant staleBefore = clock.instant().minus(STALE_TEMPORARY_AGE);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory,
                entry -> AtomicFile.isTemporary(entry.getFileName().toString()))) {
            for (Path entry : entries) {
                if (Files.getLastModifiedTime(entry).toInstant().isBefore(staleBefore)) {
                    Files.deleteIfExists(entry);
                    log.info("removed {}, a temporary file left by an interrupted write", entry);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // Only housekeeping: the write itself does not depend on it; try again next time.
            swept.remove(directory);
            log.warn("cannot remove stale temporary files in {}: {}", directory, e.getMessage());
        }
    }

    private StorageException failure(String action, String key, IOException e) {
        return new StorageException("cannot " + action + " " + key + " in " + describe() + ": " + reason(e), e);
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
