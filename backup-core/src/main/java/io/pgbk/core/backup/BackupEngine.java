/*
 * A base backup, normally of a standby, so the primary does no work but a WAL switch (rarely two).
 * In local mode pgbk runs on the node whose data directory it reads:
 *
 *   WAL switch on the primary, in the background
 *   -> lock (host file lock + repository lock) -> remove what interrupted backups left
 *   -> pg_backup_start on the node, session held open -> scan PGDATA
 *   -> `jobs` workers copy files, largest first, into compressed tar parts, uploaded as they are written
 *   -> global/pg_control, last, in a part of its own -> pg_backup_stop
 *   -> a second WAL switch, if the first did not end the stop LSN's segment
 *   -> wait until the WAL up to the stop LSN is archived (its last segment stored from the standby's
 *      pg_wal when archiving lags behind by just that one: StopSegmentCopy)
 *   -> backup.json (put-if-absent): the backup now exists.
 *
 * A small incremental backup is mostly fixed costs, latency rather than work, so they overlap where
 * they can. The parent's manifest (a list of every file of the cluster) is parsed while the node is
 * connected to and pg_backup_start waits for its checkpoint, and the WAL summary (the blocks the
 * WAL since the parent's start changed, walsummary) reads the archived WAL meanwhile. With
 * 'primary' set, the primary is asked for a WAL switch first of all, so that archiving that
 * segment (often a process per segment) runs during the backup instead of after it: a standby's
 * stop LSN is its minimum recovery point, which stays in that segment unless the standby writes
 * out pages replayed from later WAL, and only then is a second switch needed after
 * pg_backup_stop. On a primary, pg_backup_stop ends the stop LSN's segment itself, and no switch
 * is needed at all.
 *
 * In stream mode (a backup server without the node's files) pg_basebackup reads them over the
 * replication protocol and its tar is repacked into the same parts (BaseBackupTarCopier): the
 * locks, the checks of the node, the WAL wait and the manifest written last are shared, only the
 * copy between them differs.
 *
 * Any failure before the manifest is written removes the parts (best effort; what a crash
 * leaves, the next run removes under the lock) and no backup.json ever exists for it. The node
 * ending the session (stopped, promoted, unreachable) makes pg_backup_stop fail, which fails
 * the backup with that reason.
 */
package io.pgbk.core.backup;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.catalog.CatalogListing;
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
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.core.walsummary.ChangedBlocks;
import io.pgbk.core.walsummary.WalSummaryScan;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
    private final Optional<BaseBackupCommand> baseBackup;

    /**
     * A local-mode engine.
     *
     * @param node    the server whose data directory (options.pgdata()) is read, on this host
     * @param primary the primary, asked for a WAL switch when the node is a standby; without it
     *                the backup waits for the primary to fill the last segment by itself
     */
    public BackupEngine(Repository repository, DatabaseEndpoint node, Optional<DatabaseEndpoint> primary,
            BackupOptions options, Clock clock) {
        this(repository, node, primary, Optional.empty(), options, clock);
    }

    private BackupEngine(Repository repository, DatabaseEndpoint node, Optional<DatabaseEndpoint> primary,
            Optional<BaseBackupCommand> baseBackup, BackupOptions options, Clock clock) {
        this.repository = repository;
        this.node = node;
        this.primary = primary;
        this.baseBackup = baseBackup;
        this.options = options;
        this.clock = clock;
        this.catalog = new Catalog(repository);
    }

    /**
     * A stream-mode engine, for a backup server with no access to the node's files: pg_basebackup
     * reads them over the replication protocol (full backups only; options.pgdata() is not used).
     *
     * @param node       the server to back up, for the JDBC checks; baseBackup must reach the same one
     * @param baseBackup how to run pg_basebackup against node
     * @param primary    as for local mode
     */
    public static BackupEngine streaming(Repository repository, DatabaseEndpoint node, BaseBackupCommand baseBackup,
            Optional<DatabaseEndpoint> primary, BackupOptions options, Clock clock) {
        return new BackupEngine(repository, node, primary, Optional.of(baseBackup), options, clock);
    }

    /** Takes one backup; returns its manifest once it is in the repository. */
    public BackupManifest run(BackupProgress progress) {
        ExecutorService meanwhile = Executors.newFixedThreadPool(3, named("pgbk-backup-meanwhile-"));
        // Local mode connects while the repository is read and locked: the connection and its
        // first queries were a tenth of a small incremental backup. Who gets it closes it: take(),
        // or the finally below when the backup ends before take().
        Future<BackupSession> session = baseBackup.isPresent()
                ? CompletableFuture.failedFuture(new IllegalStateException("stream mode opens its own session"))
                : meanwhile.submit(() -> BackupSession.open(node));
        try {
            ClusterInfo cluster = repository.clusterInfo().orElseThrow(() -> new PgbkException("repository "
                    + repository.describe() + " holds no WAL of this cluster yet: set archive_command = "
                    + "'pgbk wal-push %p' (or run pgbk receive-wal) before taking a backup"));
            BackupId id = BackupId.at(clock.instant());
            try (BackupLock lock = BackupLock.acquire(repository, options.lockDirectory(), id.toString(), clock,
                    options.staleLockAfter())) {
                CatalogListing listing = catalog.listing();
                removeIncomplete(listing.incomplete());
                id = freeId(id, listing.newest());
                try {
                    BackupManifest manifest = baseBackup.isPresent()
                            ? takeStreamed(id, cluster, baseBackup.get(), meanwhile, progress)
                            : take(id, cluster, listing.newest(), session, meanwhile, progress);
                    lock.verifyHeld();
                    String key = BackupManifest.manifestKey(id);
                    if (!repository.putIfAbsent(key, sealedManifest(manifest))) {
                        throw new PgbkException(repository.objectName(key) + " exists already: another process "
                                + "wrote backup " + id);
                    }
                    log.info("backup {} complete: {} files, {} bytes stored", id, manifest.files().size(),
                            manifest.storedSize());
                    return manifest;
                } catch (RuntimeException e) {
                    removeBackupObjects(id);
                    throw e;
                }
            }
        } finally {
            closeWhenOpen(session);
            // a task still running ends by itself, closing what it opened
            meanwhile.shutdownNow();
        }
    }

    /** Closes the session if it opened (closing twice is harmless); waits for the attempt to end. */
    private static void closeWhenOpen(Future<BackupSession> session) {
        try {
            session.get().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // it never opened
        }
    }

    /**
     * @param newest    the newest complete backup, the parent of an incremental one
     * @param opening   the session with the node, being opened; take closes it
     * @param meanwhile runs what overlaps with the backup's own steps
     */
    private BackupManifest take(BackupId id, ClusterInfo cluster, Optional<BackupId> newest,
            Future<BackupSession> opening, ExecutorService meanwhile, BackupProgress progress) {
        CompletableFuture<Optional<BackupManifest>> newestHead = new CompletableFuture<>();
        CompletableFuture<Optional<BackupManifest>> newestManifest = new CompletableFuture<>();
        Future<Optional<ParentCandidate>> candidate = readParent(meanwhile, newest, newestHead, newestManifest);
        CompletableFuture<Lsn> started = new CompletableFuture<>();
        Future<Optional<ChangedBlocks>> summary = summarise(meanwhile, newestHead, newestManifest, started,
                cluster.walSegmentSize());
        try (BackupSession session = result(opening, "connecting to PostgreSQL")) {
            ServerState state = inspect(session, cluster);
            String label = "pgbk backup " + id;
            progress.phase("waiting for " + (state.standby() ? "a restartpoint" : "a checkpoint"));
            log.info("starting backup {} from {} {}", id, state.standby() ? "standby" : "primary",
                    node.describe());
            Lsn startLsn;
            try {
                startLsn = session.start(label);
            } catch (RuntimeException | Error e) {
                // the summary waits for the start
                started.completeExceptionally(e);
                throw e;
            }
            started.complete(startLsn);
            // Archiving the segment this switch ends overlaps with the copy. It comes after the
            // restartpoint: replayed before the restartpoint wrote its pages out, the switch would be
            // the standby's minimum recovery point, the stop LSN, at the start of a segment that the
            // backup would then need archived as well.
            Optional<Future<Lsn>> earlySwitch = state.standby()
                    ? primary.map(server -> meanwhile.submit(() -> switchWal(server))) : Optional.empty();
            Instant startTime = clock.instant();
            log.debug("pg_backup_start returned {}", startLsn);
            PgdataScan scan = new PgdataScanner(options.pgdata()).scan();
            if (!scan.majorVersion().equals(Integer.toString(state.majorVersion()))) {
                throw new PgbkException(options.pgdata() + " holds PostgreSQL " + scan.majorVersion() + ", but "
                        + node.describe() + " runs " + state.majorVersion()
                        + ": is pgdata the node's data directory?");
            }
            BackupManifest parent = chooseParent(state, candidate);
            log.info("backup {} is {}", id, parent == null ? "full" : "incremental on " + parent.id());
            if (parent == null) {
                // a full backup after all (max-incremental-chain, checksums turned on or off): no reading of WAL
                summary.cancel(true);
            }
            Optional<ChangedBlocks> changed = parent == null ? Optional.empty()
                    : summaryFor(session, parent, startLsn, summary);
            progress.start(scan.entries().stream().mapToLong(PgdataEntry::size).sum());
            progress.phase("copying");
            Copied copied = copy(scan, id, startLsn, state.dataChecksums(), parent, changed, progress);
            progress.phase("stopping the backup");
            BackupStop stop = session.stop();
            log.debug("pg_backup_stop returned {} on timeline {}", stop.lsn(), stop.timeline());
            TimelineId startTimeline = BackupLabel.parse(stop.labelFile()).startTimeline();
            progress.phase("waiting for WAL");
            awaitWal(state, cluster.walSegmentSize(), startTimeline, startLsn, stop.timeline(), stop.lsn(),
                    earlySwitch, Optional.of(session));
            return new BackupManifest(BackupManifest.FORMAT_VERSION, id, parent == null ? BackupType.FULL
                    : BackupType.INCR, parent == null ? null : parent.id(), label, startLsn, stop.lsn(),
                    startTimeline, stop.timeline(), startTime, clock.instant(),
                    new SourceNode(node.host(), node.port(), state.standby(), state.version()),
                    state.systemIdentifier(), state.majorVersion(), options.compression().toString(),
                    state.dataChecksums(), stop.labelFile(), stop.tablespaceMap(),
                    scan.tablespaces().stream().map(t -> new TablespaceInfo(t.oid(), t.location().toString()))
                            .toList(),
                    copied.parts(), copied.files());
        }
    }

    /**
     * Starts, on meanwhile, the WAL summary of an incremental backup: the blocks changed since the
     * parent candidate's start, from the WAL between it and this backup's start (started, known
     * once pg_backup_start returns), so that the copy reads only those pages of changed files. It
     * reads the archived WAL while pg_backup_start waits for the checkpoint. The candidate's head
     * (its start) is all it needs to begin: the whole manifest, read meanwhile, only bounds how
     * much WAL it reads.
     */
    private Future<Optional<ChangedBlocks>> summarise(ExecutorService meanwhile,
            Future<Optional<BackupManifest>> candidateHead, CompletableFuture<Optional<BackupManifest>> candidate,
            Future<Lsn> started, WalSegmentSize segmentSize) {
        if (options.type() == BackupType.FULL || options.pgdata() == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        WalSummaryScan scan = new WalSummaryScan(repository, Optional.of(options.pgdata().resolve("pg_wal")),
                segmentSize, options.jobs());
        // WAL of half the data's size is about where reading it (from S3, say) costs more than a scan
        Future<Long> maxWalBytes = candidate.thenApply(parent -> parent
                .map(manifest -> manifest.files().stream().mapToLong(ManifestFile::size).sum() / 2)
                .orElse(0L));
        return meanwhile.submit(() -> {
            Optional<BackupManifest> parent = candidateHead.get();
            if (parent.isEmpty()) {
                return Optional.<ChangedBlocks>empty();
            }
            return scan.summarise(parent.get().startTimeline(), parent.get().startLsn(), started, maxWalBytes);
        });
    }

    /**
     * The summary for parent, if it was built for that parent's timeline: a timeline change since
     * the parent means the WAL read was another history's.
     */
    private static Optional<ChangedBlocks> summaryFor(BackupSession session, BackupManifest parent, Lsn startLsn,
            Future<Optional<ChangedBlocks>> summary) {
        Optional<TimelineId> timeline = session.checkpointTimeline(startLsn);
        if (timeline.isEmpty() || !timeline.get().equals(parent.startTimeline())) {
            summary.cancel(true);
            log.info("no WAL summary, reading every page of changed files: {}", timeline.isEmpty()
                    ? "pg_control holds a later checkpoint than this backup's, so its timeline is unknown"
                    : "the timeline changed since backup " + parent.id() + " began");
            return Optional.empty();
        }
        return result(summary, "summarising the WAL since backup " + parent.id());
    }

    /** The newest backup and how many incremental backups its chain holds already. */
    private record ParentCandidate(BackupManifest manifest, int incrementals) {
    }

    /** Reads the parent candidate of an incremental backup on meanwhile; none for a full one. */
    private Future<Optional<ParentCandidate>> readParent(ExecutorService meanwhile, Optional<BackupId> newest,
            CompletableFuture<Optional<BackupManifest>> headRead,
            CompletableFuture<Optional<BackupManifest>> manifestRead) {
        if (options.type() == BackupType.FULL) {
            headRead.complete(Optional.empty());
            manifestRead.complete(Optional.empty());
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return meanwhile.submit(() -> {
            try {
                // the WAL summary begins with the head; making objects of every file takes longer
                headRead.complete(newest.map(catalog::head));
                Optional<BackupManifest> manifest = newest.map(catalog::read);
                // and needs the manifest only; the chain's length takes a read per ancestor
                manifestRead.complete(manifest);
                return manifest.map(parent -> new ParentCandidate(parent, catalog.incrementalDepth(parent)));
            } catch (RuntimeException | Error e) {
                headRead.completeExceptionally(e);
                manifestRead.completeExceptionally(e);
                throw e;
            }
        });
    }

    /**
     * A stream-mode backup: pg_basebackup's tar repacked into parts as it arrives, one part being
     * written and uploaded at a time (the server's read of its files paces the stream anyway).
     */
    private BackupManifest takeStreamed(BackupId id, ClusterInfo cluster, BaseBackupCommand command,
            ExecutorService meanwhile, BackupProgress progress) {
        if (options.type() != BackupType.FULL) {
            throw new PgbkException("stream mode takes full backups only: incremental backups read pages by LSN "
                    + "from the data directory (local mode)");
        }
        // pg_basebackup gives no sign of its restartpoint, so the switch comes first. On an idle primary
        // the standby's stop LSN is then often the switch's end, and the backup waits for one more
        // segment (see awaitWal): well under a second, next to copying a whole cluster
        Optional<Future<Lsn>> earlySwitch = primary.map(server -> meanwhile.submit(() -> switchWal(server)));
        ServerState state;
        try (BackupSession session = BackupSession.open(node)) {
            state = inspect(session, cluster);
            long tablespaces = session.userTablespaces();
            if (tablespaces > 0) {
                // pg_basebackup writes one tar per tablespace, and only one fits its stdout
                throw new PgbkException(node.describe() + " has " + tablespaces + " tablespace(s): stream mode "
                        + "backs up clusters without tablespaces only; use local mode (pgbk on the node)");
            }
            progress.start(session.databaseSize());
        }
        String label = "pgbk backup " + id;
        progress.phase("copying (after " + (state.standby() ? "a restartpoint)" : "a checkpoint)"));
        log.info("starting full backup {} in stream mode from {} {}", id, state.standby() ? "standby" : "primary",
                node.describe());
        List<PartInfo> parts = new ArrayList<>();
        BaseBackupTarCopier.Copied copied;
        ExecutorService uploads = Executors.newSingleThreadExecutor(named("pgbk-backup-upload-"));
        try (BaseBackupProcess process = BaseBackupProcess.start(command, label, node.describe())) {
            PartSink sink = new PartSink(repository, id, options, new AtomicInteger(), uploads, parts);
            try {
                copied = new BaseBackupTarCopier(state.dataChecksums(), progress, clock).copy(process.tar(), sink);
            } catch (IOException | RuntimeException e) {
                sink.abort();
                throw process.explain(e);
            } catch (Error e) {
                sink.abort();
                throw e;
            }
            process.finish();
        } finally {
            uploads.shutdownNow();
        }
        if (!copied.systemIdentifier().equals(cluster.systemIdentifier())) {
            throw new PgbkException("pg_basebackup reached system " + copied.systemIdentifier() + " through "
                    + node.describe() + ", repository " + repository.describe() + " belongs to system "
                    + cluster.systemIdentifier() + ": refusing to mix clusters");
        }
        BaseBackupWalRange wal = copied.walRange();
        progress.phase("waiting for WAL");
        awaitWal(state, cluster.walSegmentSize(), copied.label().startTimeline(), copied.label().startLsn(),
                wal.stopTimeline(), wal.stop(), earlySwitch, Optional.empty());
        return new BackupManifest(BackupManifest.FORMAT_VERSION, id, BackupType.FULL, null, label,
                copied.label().startLsn(), wal.stop(), copied.label().startTimeline(), wal.stopTimeline(),
                copied.startTime(), clock.instant(),
                new SourceNode(node.host(), node.port(), state.standby(), state.version()), state.systemIdentifier(),
                state.majorVersion(), options.compression().toString(), state.dataChecksums(), copied.label().text(),
                copied.tablespaceMap(), List.of(),
                parts.stream().sorted(Comparator.comparingInt(PartInfo::number)).toList(), copied.files());
    }

    /** The node's state, once it is known to be a node this backup may read and this repository may hold. */
    private ServerState inspect(BackupSession session, ClusterInfo cluster) {
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
        return state;
    }

    /**
     * The parent of an incremental backup, or null for a full one (asked for, or nothing to build on).
     * candidate is being read meanwhile; for a full backup it is not waited for.
     */
    private BackupManifest chooseParent(ServerState state, Future<Optional<ParentCandidate>> candidate) {
        if (options.type() == BackupType.FULL) {
            return null;
        }
        Optional<ParentCandidate> latest = result(candidate, "reading the latest backup's manifest");
        if (latest.isEmpty()) {
            log.warn("no backup to base an incremental backup on: taking a full backup");
            return null;
        }
        if (latest.get().manifest().dataChecksums() != state.dataChecksums()) {
            // pg_checksums rewrote every page without moving its LSN: the parent's pages are not this cluster's
            log.warn("data checksums were turned {} since backup {}: taking a full backup",
                    state.dataChecksums() ? "on" : "off", latest.get().manifest().id());
            return null;
        }
        if (latest.get().incrementals() >= options.maxIncrementalChain()) {
            log.warn("backup {} ends a chain of {} incremental backups (max-incremental-chain): taking a full backup",
                    latest.get().manifest().id(), latest.get().incrementals());
            return null;
        }
        return latest.get().manifest();
    }

    /**
     * Waits until the WAL from startLsn to stopLsn is in the repository, after a WAL switch on the
     * primary unless one already ended the stop LSN's segment: pg_backup_stop on a primary, or
     * earlySwitch (the primary's pg_switch_wal result, asked for once the backup had started). In
     * local mode the standby's copy of the stop LSN's segment, which a switch has ended by then, may
     * be stored instead (StopSegmentCopy).
     *
     * @param localSession the session with the node whose data directory this backup read, in local mode
     */
    private void awaitWal(ServerState state, WalSegmentSize segmentSize, TimelineId startTimeline, Lsn startLsn,
            TimelineId stopTimeline, Lsn stopLsn, Optional<Future<Lsn>> earlySwitch,
            Optional<BackupSession> localSession) {
        WalArchive archive = new WalArchive(repository, options.compression());
        WalArrival arrival = new WalArrival(archive, segmentSize, clock);
        List<WalSegmentName> missing = arrival.missing(startTimeline, startLsn, stopTimeline, stopLsn);
        if (missing.isEmpty()) {
            return;
        }
        String hint;
        if (!state.standby()) {
            hint = "check archive_command on " + node.describe();
        } else if (primary.isPresent()) {
            if (!switchedPast(earlySwitch, segmentSize, startTimeline, stopTimeline, stopLsn)) {
                endSegmentOf(primary.get(), stopLsn, segmentSize);
            }
            if (localSession.isPresent() && missing.equals(List.of(WalSegmentName.from(stopTimeline, stopLsn,
                    segmentSize)))) {
                new StopSegmentCopy(archive, segmentSize, clock).store(localSession.get(),
                        options.pgdata().resolve("pg_wal"), missing.get(0));
            }
            hint = "check archive_command (or pgbk receive-wal) on the primary " + primary.get().describe();
        } else {
            hint = "set 'primary' so that pgbk can switch WAL on the primary, and check its archive_command";
        }
        log.debug("waiting for the WAL up to {} to be archived", stopLsn);
        arrival.await(startTimeline, startLsn, stopTimeline, stopLsn, options.archiveTimeout(), hint);
        log.debug("the WAL up to {} is archived", stopLsn);
    }

    /**
     * Whether the early switch ended the segment holding the stop LSN: the LSN pg_switch_wal returns
     * follows the last record of a finished segment (or, when there was nothing to switch, starts the
     * current one). A standby that changed timelines during the backup may have followed another
     * primary: then it did not.
     */
    private static boolean switchedPast(Optional<Future<Lsn>> earlySwitch, WalSegmentSize segmentSize,
            TimelineId startTimeline, TimelineId stopTimeline, Lsn stopLsn) {
        if (earlySwitch.isEmpty() || !startTimeline.equals(stopTimeline)) {
            return false;
        }
        try {
            Lsn switched = result(earlySwitch.get(), "switching WAL on the primary");
            return stopLsn.segmentNumber(segmentSize) <= switched.plus(-1).segmentNumber(segmentSize);
        } catch (PgbkException e) {
            // switching again reports why the primary cannot be reached, if it still cannot
            log.debug("the WAL switch at the start of the backup failed: {}", e.getMessage());
            return false;
        }
    }

    /** Ends the primary's current WAL segment, so that it is archived; returns pg_switch_wal's LSN. */
    private static Lsn switchWal(DatabaseEndpoint server) {
        try (BackupSession session = BackupSession.open(server)) {
            Lsn end = session.switchWal();
            log.debug("switched WAL on {}: {}", server.describe(), end);
            return end;
        }
    }

    /**
     * Ends the primary's segment that holds stopLsn, so that it is archived. When a standby's backup
     * stopped at the very start of a segment and the primary has written nothing since, there is
     * nothing to switch: a WAL message then gives the segment the record that a recovery to
     * 'immediate' has to read to stop.
     */
    private static void endSegmentOf(DatabaseEndpoint server, Lsn stopLsn, WalSegmentSize segmentSize) {
        try (BackupSession session = BackupSession.open(server)) {
            Lsn end = session.switchWal();
            if (end.plus(-1).segmentNumber(segmentSize) < stopLsn.segmentNumber(segmentSize)) {
                log.debug("nothing written on {} since {}: writing a WAL message to end its segment",
                        server.describe(), stopLsn);
                session.writeWalMessage("backup stopped at " + stopLsn);
                end = session.switchWal();
            }
            log.debug("switched WAL on {}: {}", server.describe(), end);
        }
    }

    /** What a task on another thread returned, or what it threw. */
    private static <T> T result(Future<T> future, String what) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while " + what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(what + " failed", e.getCause());
        }
    }

    /** The files copied and the parts holding them. */
    private record Copied(List<ManifestFile> files, List<PartInfo> parts) {
    }

    private Copied copy(PgdataScan scan, BackupId id, Lsn startLsn, boolean checksums, BackupManifest parent,
            Optional<ChangedBlocks> summary, BackupProgress progress) {
        FileCopier copier = new FileCopier(startLsn, checksums, parent, summary, progress);
        List<PgdataEntry> entries = scan.entries();
        PgdataEntry control = entries.get(entries.size() - 1);
        if (!control.path().equals(PgdataScanner.CONTROL_FILE)) {
            throw new IllegalStateException("the scan did not put " + PgdataScanner.CONTROL_FILE + " last");
        }
        CopyQueue queue = new CopyQueue(entries.subList(0, entries.size() - 1), copier::expectedSize);
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
                    PartSink sink = new PartSink(repository, id, options, partNumbers, uploads, parts);
                    try {
                        Optional<PgdataEntry> next;
                        while (!failed.get() && (next = queue.next()).isPresent()) {
                            PgdataEntry entry = next.get();
                            TarPart part = entry.kind() == EntryKind.FILE ? sink.partFor(copier.expectedSize(entry))
                                    : null;
                            copier.copy(entry, part).ifPresent(file -> files.put(file.path(), file));
                            sink.closeIfFull();
                        }
                        sink.finish();
                        return null;
                    } catch (IOException | RuntimeException | Error e) {
                        // an Error too: a part left open would hold an upload thread forever
                        failed.set(true);
                        sink.abort();
                        throw e;
                    }
                }));
            }
            awaitAll(running);
            PartSink last = new PartSink(repository, id, options, partNumbers, uploads, parts);
            try {
                copier.copy(control, last.partFor(control.size())).ifPresent(file -> files.put(file.path(), file));
                last.finish();
            } catch (IOException | RuntimeException | Error e) {
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
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
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

    /** candidate, or the next second free after newest (the newest complete backup) and any leftover. */
    private BackupId freeId(BackupId candidate, Optional<BackupId> newest) {
        BackupId id = candidate;
        while ((newest.isPresent() && id.compareTo(newest.get()) <= 0) || catalog.inUse(id)) {
            id = id.next();
        }
        return id;
    }

    /** Parts of backups that never got a manifest: the lock says no backup is writing them now. */
    private void removeIncomplete(List<BackupId> incomplete) {
        for (BackupId leftover : incomplete) {
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
