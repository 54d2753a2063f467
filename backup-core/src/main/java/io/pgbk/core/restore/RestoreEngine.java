/*
 * Restore: a backup chain and its WAL made into a data directory ready for point-in-time
 * recovery.
 *
 * Everything that can be checked is checked before the directory is touched, each failure one
 * message: the backup (chosen by id or by the target), its chain of parents, that the target
 * does not lie before the backup's end, every WAL segment from the backup's start to its end,
 * no server running on the directory, the directory empty (unless --delta/--force) and, for a
 * delta, of the same cluster.
 *
 * Then: stale entries are removed (delta, force), directories and tablespace links laid out,
 * files restored in parallel (LayerPlan: the chain's parts are read in phases, oldest backup
 * first, one task per part streaming it front to back and applying the layers of the files it
 * holds with positional writes, so each part is read once and memory stays at a few buffers per
 * worker), pg_wal and the directories a backup leaves empty recreated, backup_label,
 * tablespace_map and the recovery settings written, ownership given to the OS user that will run
 * PostgreSQL, and every directory fsynced once. Each file is checked before it is published: each
 * of its layers against the CRC32C of the stored bytes (FileLayer), or, for backups made before
 * manifest format 3, the whole content against its SHA-256 (RestoredFile). A delta restore
 * writes only the pages that differ. A restore into an empty directory that fails removes what it
 * wrote, leaving the directory as it found it.
 */
package io.pgbk.core.restore;

import io.pgbk.storage.io.BoundedInputStream;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.catalog.WalGaps;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.manifest.TablespaceInfo;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class RestoreEngine {

    private static final Logger log = LoggerFactory.getLogger(RestoreEngine.class);
    /** Directories PostgreSQL needs whose content no backup holds (PgdataScanner leaves them out). */
    private static final List<String> RECREATED_DIRECTORIES = List.of("pg_wal", "pg_wal/archive_status",
            "pg_tblspc", "pg_stat_tmp", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots",
            "pg_subtrans");
    private static final String BACKUP_LABEL = "backup_label";
    private static final String TABLESPACE_MAP = "tablespace_map";
    private static final String TABLESPACES = "pg_tblspc/";
    private static final Set<String> WRITTEN_BY_RESTORE = Set.of(BACKUP_LABEL, TABLESPACE_MAP,
            RecoveryConfiguration.RECOVERY_SIGNAL, RecoveryConfiguration.AUTO_CONF);

    private final Repository repository;
    private final Clock clock;

    public RestoreEngine(Repository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /**
     * Restores into request.dataDirectory(). The backup is chosen among the heads of every backup's
     * manifest; only the chosen backup's chain is read whole.
     */
    public RestoreResult restore(RestoreRequest request) {
        return restore(request, first -> { });
    }

    /**
     * Like restore(request), telling beforeWriting the first WAL segment recovery of the result will
     * read (the backup's start) once every check has passed, before anything is written.
     */
    public RestoreResult restore(RestoreRequest request, Consumer<WalSegmentName> beforeWriting) {
        Instant started = clock.instant();
        RecoveryTarget target = request.recovery().plan().target();
        Catalog catalog = new Catalog(repository);
        List<BackupManifest> heads = catalog.heads();
        BackupChoice choice = BackupChoice.choose(heads, request.backup(), request.recovery().plan(),
                WalGaps.read(repository));
        BackupManifest backup = catalog.read(choice.backup().id());
        log.info("restoring {}", choice.reason());
        BackupChain chain = BackupChain.resolve(backup, ancestors(backup, heads, catalog));
        requireTargetAfterEnd(backup, target);
        ClusterInfo cluster = repository.clusterInfo().orElseThrow(() -> new PgbkException(
                repository.describe() + " holds no WAL: a backup cannot be recovered without it"));
        RequiredWal.of(backup, cluster.walSegmentSize()).check(new WalArchive(repository, Compression.NONE),
                backup.id().toString());
        TargetDirectory directory = new TargetDirectory(request.dataDirectory());
        directory.requireNoServer();
        directory.requireEmptyUnless(request.mode() != RestoreMode.EMPTY_ONLY);
        if (request.mode() == RestoreMode.DELTA) {
            directory.requireSameCluster(backup.systemIdentifier());
        }
        Map<Long, Path> locations = tablespaceLocations(backup, request.tablespaceMap());
        if (request.mode() == RestoreMode.EMPTY_ONLY) {
            locations.values().forEach(location -> new TargetDirectory(location).requireEmptyUnless(false));
        }
        FileOwner owner = FileOwner.decide(request.owner(), directory.path(), FileOwner.runningAsRoot());
        beforeWriting.accept(WalSegmentName.from(backup.startTimeline(), backup.startLsn(), cluster.walSegmentSize()));

        boolean existed = directory.exists();
        Set<Path> existingLocations = locations.values().stream().filter(Files::exists).collect(Collectors.toSet());
        try {
            Counts counts = write(request, chain, directory.path(), locations, owner);
            Duration duration = Duration.between(started, clock.instant());
            log.info("restored backup {} into {}: {} files written ({} bytes), {} kept, {} removed", backup.id(),
                    directory.path(), counts.written, counts.bytes, counts.kept, counts.removed);
            return new RestoreResult(choice, directory.path(), counts.written.get(), counts.bytes.get(),
                    counts.kept.get(), counts.removed.get(), owner.name(), duration);
        } catch (IOException e) {
            undo(request.mode(), directory.path(), existed, locations, existingLocations);
            throw new PgbkException("cannot restore into " + directory.path() + ": " + reason(e), e);
        } catch (RuntimeException e) {
            undo(request.mode(), directory.path(), existed, locations, existingLocations);
            throw e;
        }
    }

    private record Counts(AtomicLong written, AtomicLong bytes, AtomicLong kept, AtomicLong removed) {
        Counts() {
            this(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong());
        }
    }

    private Counts write(RestoreRequest request, BackupChain chain, Path root, Map<Long, Path> locations,
            FileOwner owner) throws IOException {
        BackupManifest backup = chain.head();
        Counts counts = new Counts();
        if (request.mode() != RestoreMode.EMPTY_ONLY) {
            removeStale(root, backup, locations, request.mode() == RestoreMode.FORCE, counts);
        }
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        layOut(root, backup, locations);
        restoreFiles(request, chain, root, counts);
        for (String name : RECREATED_DIRECTORIES) {
            Path path = root.resolve(name);
            if (!Files.isDirectory(path)) {
                Files.createDirectories(path);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
            }
        }
        writeText(root.resolve(BACKUP_LABEL), backup.backupLabel());
        String tablespaceMap = relocatedTablespaceMap(backup, locations);
        if (!tablespaceMap.isEmpty()) {
            writeText(root.resolve(TABLESPACE_MAP), tablespaceMap);
        } else if (Files.deleteIfExists(root.resolve(TABLESPACE_MAP))) {
            AtomicFile.fsyncDirectory(root); // left by an earlier restore: PostgreSQL would make its links
        }
        request.recovery().writeTo(root, backup.startTimeline());
        owner.apply(root);
        for (Path location : locations.values()) {
            owner.apply(location);
        }
        fsyncDirectories(root);
        for (Path location : locations.values()) {
            fsyncDirectories(location);
        }
        return counts;
    }

    /** backup and those of its ancestors the repository holds, read whole: BackupChain names a missing one. */
    private static List<BackupManifest> ancestors(BackupManifest backup, List<BackupManifest> heads, Catalog catalog) {
        Map<BackupId, BackupManifest> byId = heads.stream()
                .collect(Collectors.toMap(BackupManifest::id, head -> head));
        List<BackupManifest> found = new ArrayList<>(List.of(backup));
        // at most every backup once: parents that loop are BackupChain's to report
        for (BackupId parent = backup.parent(); parent != null && byId.remove(parent) != null; ) {
            BackupManifest ancestor = catalog.read(parent);
            found.add(ancestor);
            parent = ancestor.parent();
        }
        return found;
    }

    private static void requireTargetAfterEnd(BackupManifest backup, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.AtTime time && time.time().instant().isBefore(backup.stopTime())) {
            throw new PgbkException("target " + target.describe() + " is before the end of backup " + backup.id()
                    + " (" + backup.stopTime() + "): a backup can only be recovered to a point after it ended");
        }
        if (target instanceof RecoveryTarget.AtLsn lsn && lsn.lsn().compareTo(backup.stopLsn()) < 0) {
            throw new PgbkException("target " + target.describe() + " is before the end of backup " + backup.id()
                    + " (LSN " + backup.stopLsn() + "): a backup can only be recovered to a point after it ended");
        }
    }

    private static Map<Long, Path> tablespaceLocations(BackupManifest backup, Map<Long, Path> relocations) {
        Map<Long, Path> locations = new LinkedHashMap<>();
        for (TablespaceInfo tablespace : backup.tablespaces()) {
            locations.put(tablespace.oid(), relocations.getOrDefault(tablespace.oid(), Path.of(tablespace.location())));
        }
        for (Long oid : relocations.keySet()) {
            if (!locations.containsKey(oid)) {
                throw new PgbkException("--tablespace-map names tablespace " + oid + ", which backup " + backup.id()
                        + " does not have" + (locations.isEmpty() ? " (it has none)" : " (it has " + locations.keySet() + ")"));
            }
        }
        return locations;
    }

    /** Directories and tablespace links, parents before children. */
    private static void layOut(Path root, BackupManifest backup, Map<Long, Path> locations) throws IOException {
        List<ManifestFile> entries = backup.files().stream()
                .filter(entry -> entry.kind() != EntryKind.FILE)
                .sorted(Comparator.comparing(ManifestFile::path))
                .toList();
        for (ManifestFile entry : entries) {
            Path path = inside(root, entry.path());
            if (entry.kind() == EntryKind.DIRECTORY) {
                Files.createDirectories(path);
                Files.setPosixFilePermissions(path, entry.mode().permissions());
            } else {
                Path location = locations.getOrDefault(tablespaceOid(entry.path()), Path.of(entry.linkTarget()));
                Files.createDirectories(location);
                Files.setPosixFilePermissions(location, PosixFilePermissions.fromString("rwx------"));
                Files.createDirectories(path.getParent());
                Files.deleteIfExists(path);
                Files.createSymbolicLink(path, location);
            }
        }
    }

    private void restoreFiles(RestoreRequest request, BackupChain chain, Path root, Counts counts) throws IOException {
        LayerPlan plan = LayerPlan.of(chain, path -> inside(root, path), request.mode() == RestoreMode.DELTA);
        ExecutorService io = Executors.newFixedThreadPool(2 * request.jobs(), namedThreads("pgbk-restore-io-"));
        try (FilePublisher publisher = new FilePublisher(request.jobs())) {
            // one writer per worker: its buffers are the restore's memory (docs/restore.md)
            BlockingQueue<LayerWriter> writers = new ArrayBlockingQueue<>(request.jobs());
            for (int i = 0; i < request.jobs(); i++) {
                writers.add(new LayerWriter(io, publisher::startWriteback));
            }
            try {
                for (Map<String, List<LayerPlan.Slice>> phase : plan.phases()) {
                    List<Callable<Void>> tasks = new ArrayList<>();
                    LayerPlan.largestFirst(phase).forEach(part -> tasks.add(() -> {
                        LayerWriter writer = writers.take();
                        try {
                            extractPart(part.getKey(), part.getValue(), writer, publisher);
                        } finally {
                            writers.add(writer);
                        }
                        return null;
                    }));
                    runAll(tasks, request.jobs());
                }
                publisher.awaitAll();
            } catch (IOException | RuntimeException e) {
                stop(io);
                publisher.close();
                for (RestoredFile file : plan.files()) {
                    file.abandon();
                }
                throw e;
            }
        } finally {
            stop(io);
        }
        for (RestoredFile file : plan.files()) {
            if (file.isChanged()) {
                counts.written.incrementAndGet();
                counts.bytes.addAndGet(file.bytesWritten());
            } else {
                counts.kept.incrementAndGet();
            }
        }
    }

    /** Streams one part front to back, applying the layers it holds of files not kept as they were. */
    private void extractPart(String partKey, List<LayerPlan.Slice> slices, LayerWriter writer,
            FilePublisher publisher) throws IOException {
        List<LayerPlan.Slice> needed = new ArrayList<>();
        for (LayerPlan.Slice slice : slices.stream().sorted(Comparator.comparingLong(s -> s.layer().data().offset()))
                .toList()) {
            if (!slice.file().isDone() && !slice.file().keepIfUnchanged(writer)) {
                needed.add(slice);
            }
        }
        if (needed.isEmpty()) {
            return;
        }
        String objectName = repository.objectName(partKey);
        try (UnsealingInputStream part = repository.get(partKey).orElseThrow(() -> new PgbkException("object "
                + objectName + " of the backup is missing from " + repository.describe()))) {
            long position = 0;
            for (LayerPlan.Slice slice : needed) {
                FileData data = slice.layer().data();
                part.skipNBytes(data.offset() - position);
                CRC32C crc = new CRC32C();
                boolean complete;
                try (InputStream window = new CheckedInputStream(
                        BoundedInputStream.leavingSourceOpen(part, data.length()), crc)) {
                    complete = slice.file().apply(slice.layer(), window, writer, objectName);
                    window.transferTo(OutputStream.nullOutputStream()); // bytes the page map does not account for
                }
                slice.layer().requireIntact(crc, slice.file().entry().path(), objectName);
                if (complete) {
                    publisher.publish(slice.file());
                }
                position = data.offset() + data.length();
            }
            part.transferTo(OutputStream.nullOutputStream()); // to its end, where the seal's checksum is verified
        }
    }

    private static void runAll(List<Callable<Void>> tasks, int jobs) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(jobs, tasks.size())),
                namedThreads("pgbk-restore-"));
        try {
            awaitAll(tasks.stream().map(pool::submit).toList());
        } finally {
            stop(pool); // after a failure: the other tasks stop before the caller cleans up
        }
    }

    /** Daemon threads named prefix + a number. */
    static ThreadFactory namedThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Interrupts the pool's tasks and waits until they have stopped. */
    static void stop(ExecutorService pool) {
        pool.shutdownNow();
        try {
            pool.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for every future; the first failure is thrown as what the task threw. */
    static void awaitAll(List<? extends Future<?>> futures) throws IOException {
        try {
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while restoring", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("a restore task failed unexpectedly", cause);
        }
    }

    /**
     * Removes what the backup will not put back: with force everything, with delta every entry
     * the manifest does not list or lists as another kind (files that match are kept later).
     */
    private static void removeStale(Path root, BackupManifest backup, Map<Long, Path> locations, boolean everything,
            Counts counts) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        Map<String, EntryKind> expected = new HashMap<>();
        if (!everything) {
            backup.files().forEach(entry -> expected.put(entry.path(), entry.kind()));
            RECREATED_DIRECTORIES.forEach(name -> expected.put(name, EntryKind.DIRECTORY));
            WRITTEN_BY_RESTORE.forEach(name -> expected.putIfAbsent(name, EntryKind.FILE));
        }
        removeStale(root, root, "", expected, counts);
        for (Map.Entry<Long, Path> location : locations.entrySet()) {
            if (Files.isDirectory(location.getValue())) {
                removeStale(location.getValue(), location.getValue(), TABLESPACES + location.getKey() + "/", expected,
                        counts);
            }
        }
    }

    private static void removeStale(Path top, Path directory, String prefix, Map<String, EntryKind> expected,
            Counts counts) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path path : entries) {
                String relative = prefix + top.relativize(path).toString();
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                EntryKind kind = attributes.isDirectory() ? EntryKind.DIRECTORY
                        : attributes.isSymbolicLink() ? EntryKind.SYMLINK : EntryKind.FILE;
                if (kind == expected.get(relative)) {
                    if (kind == EntryKind.DIRECTORY) {
                        removeStale(top, path, prefix, expected, counts);
                    }
                    continue;
                }
                deleteTree(path);
                counts.removed.incrementAndGet();
            }
        }
    }

    private static void deleteTree(Path path) throws IOException {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(path);
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** After a failed restore into an empty directory: the directory as it was found. */
    private static void undo(RestoreMode mode, Path root, boolean existed, Map<Long, Path> locations,
            Set<Path> existingLocations) {
        if (mode != RestoreMode.EMPTY_ONLY) {
            return;
        }
        try {
            clear(root, existed);
            for (Path location : locations.values()) {
                clear(location, existingLocations.contains(location));
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not remove the partial restore in {}: {}", root, e.getMessage());
        }
    }

    private static void clear(Path directory, boolean keep) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!keep) {
            deleteTree(directory);
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                deleteTree(entry);
            }
        }
    }

    private static String relocatedTablespaceMap(BackupManifest backup, Map<Long, Path> locations) {
        if (backup.tablespaceMap() == null || backup.tablespaceMap().isEmpty()) {
            return "";
        }
        return locations.entrySet().stream().map(entry -> entry.getKey() + " " + entry.getValue() + "\n")
                .collect(Collectors.joining());
    }

    private static void writeText(Path file, String content) throws IOException {
        try (AtomicFile atomic = AtomicFile.create(file)) {
            atomic.out().write(content.getBytes(StandardCharsets.UTF_8));
            atomic.commit();
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static void fsyncDirectories(Path root) throws IOException {
        Set<Path> directories = new HashSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                directories.add(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        for (Path directory : directories) {
            AtomicFile.fsyncDirectory(directory);
        }
    }

    private static long tablespaceOid(String linkPath) {
        String name = linkPath.substring(linkPath.lastIndexOf('/') + 1);
        if (!linkPath.startsWith(TABLESPACES) || !name.matches("[0-9]{1,10}")) {
            throw new PgbkException("the backup holds a link " + linkPath + " outside pg_tblspc: its manifest is damaged");
        }
        return Long.parseLong(name);
    }

    /** "permission denied: /path" rather than an exception's class name. */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason() + ": " + fs.getFile();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** A manifest path as a path under root; a path that would leave it is refused. */
    private static Path inside(Path root, String relative) {
        Path path = root.resolve(relative).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new PgbkException("the backup holds an entry '" + relative + "' outside the data directory: "
                    + "its manifest is damaged");
        }
        return path;
    }
}
