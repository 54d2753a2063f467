/*
 * A local-mode base backup: pgbk runs on the node whose data directory it reads, normally a
 * standby, so the primary does no work but one WAL switch.
 *
 *   lock (host file lock + repository lock) -> remove what interrupted backups left
 *   -> pg_backup_start on the node, session held open -> scan PGDATA
 *   -> `jobs` workers copy files into compressed tar parts, uploaded as they are written
 *   -> global/pg_control, last, in a part of its own -> pg_backup_stop
 *   -> WAL switch on the primary, if the WAL up to the stop LSN is not yet archived
 *   -> wait until it is -> backup.json (put-if-absent): the backup now exists.
 *
 * Any failure before the manifest is written removes the parts (best effort; what a crash
 * leaves, the next run removes under the lock) and no backup.json ever exists for it. The node
 * ending the session (stopped, promoted, unreachable) makes pg_backup_stop fail, which fails
 * the backup with that reason.
 */
package io.pgbk.core.backup;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.manifest.PartInfo;
import io.pgbk.core.manifest.SourceNode;
import io.pgbk.core.manifest.TablespaceInfo;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.PgdataEntry;
import io.pgbk.core.pgdata.PgdataScan;
import io.pgbk.core.pgdata.PgdataScanner;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class BackupEngine {

    private static final Logger log = LoggerFactory.getLogger(BackupEngine.class);

    private final Repository repository;
    private final DatabaseEndpoint node;
    private final Optional<DatabaseEndpoint> primary;
    private final BackupOptions options;
    private final Clock clock;
    private final Catalog catalog;

    /**
     * @param node    the server whose data directory (options.pgdata()) is read, on this host
     * @param primary the primary, asked for a WAL switch when the node is a standby; without it
     *                the backup waits for the primary to fill the last segment by itself
     */
    public BackupEngine(Repository repository, DatabaseEndpoint node, Optional<DatabaseEndpoint> primary,
            BackupOptions options, Clock clock) {
        this.repository = repository;
        this.node = node;
        this.primary = primary;
        this.options = options;
        this.clock = clock;
        this.catalog = new Catalog(repository);
    }

    /** Takes one backup; returns its manifest once it is in the repository. */
    public BackupManifest run(BackupProgress progress) {
        ClusterInfo cluster = repository.clusterInfo().orElseThrow(() -> new PgbkException("repository "
                + repository.describe() + " holds no WAL of this cluster yet: set archive_command = "
                + "'pgbk wal-push %p' (or run pgbk receive-wal) before taking a backup"));
        BackupId id = BackupId.at(clock.instant());
        try (BackupLock lock = BackupLock.acquire(repository, options.lockDirectory(), id.toString(), clock,
                options.staleLockAfter())) {
            removeIncomplete();
            id = freeId(id);
            try {
                BackupManifest manifest = take(id, cluster, progress);
                lock.verifyHeld();
                String key = BackupManifest.manifestKey(id);
                if (!repository.putIfAbsent(key, sealedManifest(manifest))) {
                    throw new PgbkException(repository.objectName(key) + " exists already: another process wrote "
                            + "backup " + id);
                }
                log.info("backup {} complete: {} files, {} bytes stored", id, manifest.files().size(),
                        manifest.storedSize());
                return manifest;
            } catch (RuntimeException e) {
                removeBackupObjects(id);
                throw e;
            }
        }
    }

    private BackupManifest take(BackupId id, ClusterInfo cluster, BackupProgress progress) {
        try (BackupSession session = BackupSession.open(node)) {
            ServerState state = session.inspect();
            options.from().check(state.standby(), node.describe());
            if (!state.standby() && options.from() == SourcePolicy.PREFER_STANDBY) {
                log.warn("{} is the primary: backing it up (--from prefer-standby), its IO serves the copy",
                        node.describe());
            }
            if (!state.systemIdentifier().equals(cluster.systemIdentifier())) {
                throw new PgbkException(node.describe() + " is system " + state.systemIdentifier() + ", repository "
                        + repository.describe() + " belongs to system " + cluster.systemIdentifier()
                        + ": refusing to mix clusters");
            }
            if (state.majorVersion() != cluster.pgMajorVersion()) {
                throw new PgbkException(node.describe() + " runs PostgreSQL " + state.majorVersion()
                        + ", repository " + repository.describe() + " holds PostgreSQL " + cluster.pgMajorVersion());
            }
            BackupManifest parent = chooseParent(state);
            String label = "pgbk backup " + id;
            progress.phase("waiting for " + (state.standby() ? "a restartpoint" : "a checkpoint"));
            log.info("starting {} backup {} from {} {}", parent == null ? "full" : "incremental", id,
                    state.standby() ? "standby" : "primary", node.describe());
            Lsn startLsn = session.start(label);
            Instant startTime = clock.instant();
            PgdataScan scan = new PgdataScanner(options.pgdata()).scan();
            if (!scan.majorVersion().equals(Integer.toString(state.majorVersion()))) {
                throw new PgbkException(options.pgdata() + " holds PostgreSQL " + scan.majorVersion() + ", but "
                        + node.describe() + " runs " + state.majorVersion() + ": is pgdata the node's data directory?");
            }
            progress.start(scan.entries().stream().mapToLong(PgdataEntry::size).sum());
            progress.phase("copying");
            Copied copied = copy(scan, id, startLsn, state.dataChecksums(), parent, progress);
            progress.phase("stopping the backup");
            BackupStop stop = session.stop();
            TimelineId startTimeline = BackupSession.startTimeline(stop.labelFile());
            progress.phase("waiting for WAL");
            awaitWal(session, state, cluster.walSegmentSize(), startTimeline, startLsn, stop);
            return new BackupManifest(BackupManifest.FORMAT_VERSION, id, parent == null ? BackupType.FULL
                    : BackupType.INCR, parent == null ? null : parent.id(), label, startLsn, stop.lsn(), startTimeline,
                    stop.timeline(), startTime, clock.instant(),
                    new SourceNode(node.host(), node.port(), state.standby(), state.version()),
                    state.systemIdentifier(), state.majorVersion(), options.compression().toString(),
                    state.dataChecksums(), stop.labelFile(), stop.tablespaceMap(),
                    scan.tablespaces().stream().map(t -> new TablespaceInfo(t.oid(), t.location().toString()))
                            .toList(),
                    copied.parts(), copied.files());
        }
    }

    /** The parent of an incremental backup, or null for a full one (asked for, or nothing to build on). */
    private BackupManifest chooseParent(ServerState state) {
        if (options.type() == BackupType.FULL) {
            return null;
        }
        if (!state.dataChecksums() && !state.walLogHints()) {
            log.warn("incremental backups need data checksums or wal_log_hints = on (otherwise hint bits change "
                    + "pages without changing their LSN): taking a full backup");
            return null;
        }
        Optional<BackupManifest> latest = catalog.latest();
        if (latest.isEmpty()) {
            log.warn("no backup to base an incremental backup on: taking a full backup");
            return null;
        }
        int incrementals = catalog.chain(latest.get()).size() - 1;
        if (incrementals >= options.maxIncrementalChain()) {
            log.warn("backup {} ends a chain of {} incremental backups (max-incremental-chain): taking a full backup",
                    latest.get().id(), incrementals);
            return null;
        }
        return latest.get();
    }

    private void awaitWal(BackupSession session, ServerState state, WalSegmentSize segmentSize,
            TimelineId startTimeline, Lsn startLsn, BackupStop stop) {
        WalArrival arrival = new WalArrival(new WalArchive(repository, options.compression()),
                segmentSize, clock);
        if (arrival.missing(startTimeline, startLsn, stop.timeline(), stop.lsn()).isEmpty()) {
            return;
        }
        String hint;
        if (!state.standby()) {
            session.switchWal();
            hint = "check archive_command on " + node.describe();
        } else if (primary.isPresent()) {
            try (BackupSession onPrimary = BackupSession.open(primary.get())) {
                onPrimary.switchWal();
            }
            hint = "check archive_command (or pgbk receive-wal) on the primary " + primary.get().describe();
        } else {
            hint = "set 'primary' so that pgbk can switch WAL on the primary, and check its archive_command";
        }
        arrival.await(startTimeline, startLsn, stop.timeline(), stop.lsn(), options.archiveTimeout(), hint);
    }

    /** The files copied and the parts holding them. */
    private record Copied(List<ManifestFile> files, List<PartInfo> parts) {
    }

    private Copied copy(PgdataScan scan, BackupId id, Lsn startLsn, boolean checksums, BackupManifest parent,
            BackupProgress progress) {
        FileCopier copier = new FileCopier(startLsn, checksums, parent, progress);
        List<PgdataEntry> entries = scan.entries();
        PgdataEntry control = entries.get(entries.size() - 1);
        if (!control.path().equals(PgdataScanner.CONTROL_FILE)) {
            throw new IllegalStateException("the scan did not put " + PgdataScanner.CONTROL_FILE + " last");
        }
        Queue<PgdataEntry> queue = new ConcurrentLinkedQueue<>(entries.subList(0, entries.size() - 1));
        Map<String, ManifestFile> files = new ConcurrentHashMap<>();
        List<PartInfo> parts = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger partNumbers = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        ExecutorService uploads = Executors.newFixedThreadPool(options.jobs(), named("pgbk-backup-upload-"));
        ExecutorService workers = Executors.newFixedThreadPool(options.jobs(), named("pgbk-backup-read-"));
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < options.jobs(); i++) {
                running.add(workers.submit(() -> {
                    PartSink sink = new PartSink(id, partNumbers, uploads, parts);
                    try {
                        PgdataEntry entry;
                        while (!failed.get() && (entry = queue.poll()) != null) {
                            TarPart part = entry.kind() == EntryKind.FILE ? sink.partFor(copier.expectedSize(entry))
                                    : null;
                            copier.copy(entry, part).ifPresent(file -> files.put(file.path(), file));
                            sink.closeIfFull();
                        }
                        sink.finish();
                        return null;
                    } catch (IOException | RuntimeException e) {
                        failed.set(true);
                        sink.abort();
                        throw e;
                    }
                }));
            }
            awaitAll(running);
            PartSink last = new PartSink(id, partNumbers, uploads, parts);
            try {
                copier.copy(control, last.partFor(control.size())).ifPresent(file -> files.put(file.path(), file));
                last.finish();
            } catch (IOException | RuntimeException e) {
                last.abort();
                throw e;
            }
        } catch (IOException e) {
            throw new PgbkException("cannot read " + options.pgdata() + ": " + e.getMessage(), e);
        } finally {
            workers.shutdownNow();
            uploads.shutdownNow();
        }
        List<ManifestFile> ordered = entries.stream().map(entry -> files.get(entry.path()))
                .filter(file -> file != null).toList();
        List<PartInfo> sortedParts = parts.stream().sorted(Comparator.comparingInt(PartInfo::number)).toList();
        return new Copied(ordered, sortedParts);
    }

    /** The part a worker is filling: a new one after the target size, a file that would overflow it starts one. */
    private final class PartSink {
        private final BackupId id;
        private final AtomicInteger partNumbers;
        private final ExecutorService uploads;
        private final List<PartInfo> parts;
        private TarPart current;

        PartSink(BackupId id, AtomicInteger partNumbers, ExecutorService uploads, List<PartInfo> parts) {
            this.id = id;
            this.partNumbers = partNumbers;
            this.uploads = uploads;
            this.parts = parts;
        }

        TarPart partFor(long size) throws IOException {
            if (current != null && !current.isEmpty() && current.size() + size > options.partTargetSize()) {
                finish();
            }
            if (current == null) {
                current = new TarPart(repository, id, partNumbers.getAndIncrement(), options.compression(), uploads);
            }
            return current;
        }

        void closeIfFull() throws IOException {
            if (current != null && current.size() >= options.partTargetSize()) {
                finish();
            }
        }

        void finish() throws IOException {
            if (current != null) {
                TarPart part = current;
                current = null;
                parts.add(part.finish());
            }
        }

        void abort() {
            if (current != null) {
                current.abort();
                current = null;
            }
        }
    }

    private static void awaitAll(List<Future<?>> running) throws IOException {
        RuntimeException firstRuntime = null;
        IOException firstIo = null;
        for (Future<?> future : running) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgbkException("interrupted while copying files", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io && firstIo == null && firstRuntime == null) {
                    firstIo = io;
                } else if (e.getCause() instanceof RuntimeException runtime && firstIo == null && firstRuntime == null) {
                    firstRuntime = runtime;
                }
            }
        }
        if (firstRuntime != null) {
            throw firstRuntime;
        }
        if (firstIo != null) {
            throw firstIo;
        }
    }

    private BackupId freeId(BackupId candidate) {
        BackupId id = candidate;
        List<BackupId> existing = catalog.ids();
        BackupId newest = existing.isEmpty() ? null : existing.get(existing.size() - 1);
        while ((newest != null && id.compareTo(newest) <= 0) || catalog.inUse(id)) {
            id = id.next();
        }
        return id;
    }

    /** Parts of backups that never got a manifest: the lock says no backup is writing them now. */
    private void removeIncomplete() {
        for (BackupId leftover : catalog.incomplete()) {
            log.info("removing the parts of incomplete backup {} (interrupted earlier)", leftover);
            removeBackupObjects(leftover);
        }
    }

    private void removeBackupObjects(BackupId id) {
        try {
            for (ObjectInfo object : catalog.objects(id)) {
                repository.delete(object.key());
            }
        } catch (PgbkException e) {
            log.warn("cannot remove the parts of incomplete backup {}: {} (the next backup retries)", id,
                    e.getMessage());
        }
    }

    private SealingInputStream sealedManifest(BackupManifest manifest) {
        try {
            return new SealingInputStream(new ByteArrayInputStream(new ManifestJson().write(manifest)),
                    Compression.NONE);
        } catch (IOException e) {
            throw new UncheckedIOException("an uncompressed seal cannot fail", e);
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
