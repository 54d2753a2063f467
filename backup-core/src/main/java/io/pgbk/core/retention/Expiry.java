/*
 * `pgbk expire`: removes the backups a retention policy no longer keeps, the leftovers of
 * interrupted backups, and the WAL that no kept backup needs (see pgBackRest's expire command).
 *
 * Safety comes first, so each rule errs towards keeping:
 *  - a backup being written (the repository's backup lock with a fresh heartbeat) is never
 *    touched: its parts have no backup.json yet, and while the lock is fresh no incomplete
 *    backup is removed at all. The lock is read before and after the listing, so a backup that
 *    starts or ends while expire lists is seen as running;
 *  - a backup goes by deleting its backup.json FIRST: from then on it does not exist for list,
 *    restore or retention, and a crash merely leaves parts that the next run removes as leftovers;
 *  - backups go before WAL, so a crash never leaves a listed backup without its WAL;
 *  - a WAL file goes only when, for every kept backup, it lies on that backup's start timeline or
 *    an ancestor of it AND before the segment of its start LSN. WAL of other timelines, history
 *    files, and every file when no backup is kept stay;
 *  - a full backup whose own WAL has a recorded gap cannot be restored and does not count for
 *    the policy (RetentionPolicy), so it never lets a restorable one go;
 *  - a segment's summary (SegmentSummaries) goes by the same rule, before the segment;
 *  - a WAL gap record goes by the same rule as WAL, when the whole gap lies before every kept backup's
 *    start on its path: it goes with the WAL it concerns, after it. A gap changes nothing else:
 *    the WAL around it stays exactly as long as without it.
 */
package io.pgbk.core.retention;

import io.pgbk.core.backup.BackupLock;
import io.pgbk.core.backup.LockHolder;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.catalog.TimelineHistories;
import io.pgbk.core.catalog.WalGapRecords;
import io.pgbk.core.catalog.WalGaps;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.TimelineHistory;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class Expiry {

    private static final Logger log = LoggerFactory.getLogger(Expiry.class);
    private static final String WAL = "wal/";

    private final Repository repository;
    private final RetentionPolicy policy;
    private final Clock clock;
    private final Duration staleLockAfter;
    private final Catalog catalog;
    private final WalGapRecords gapRecords;

    public Expiry(Repository repository, RetentionPolicy policy, Clock clock, Duration staleLockAfter) {
        this.repository = repository;
        this.policy = policy;
        this.clock = clock;
        this.staleLockAfter = staleLockAfter;
        this.catalog = new Catalog(repository);
        this.gapRecords = new WalGapRecords(repository);
    }

    /** Decides what a run removes, removing nothing. */
    public ExpirePlan plan() {
        Optional<LockHolder> lockBefore = BackupLock.read(repository);
        List<BackupManifest> backups = catalog.list();
        List<BackupId> incomplete = catalog.incomplete();
        Optional<LockHolder> lockAfter = BackupLock.read(repository);
        List<String> inProgress = writer(lockBefore, lockAfter);

        WalGaps gaps = WalGaps.read(repository);
        Set<BackupId> keep = policy.keep(backups, clock.instant(), unrestorable(backups, gaps));
        List<BackupManifest> kept = backups.stream().filter(backup -> keep.contains(backup.id())).toList();
        List<BackupId> expired = backups.stream().map(BackupManifest::id).filter(id -> !keep.contains(id)).toList();
        Map<TimelineId, TimelineHistory> lineages = new HashMap<>();
        TimelineHistories histories = new TimelineHistories(repository);
        kept.forEach(backup -> lineages.computeIfAbsent(backup.startTimeline(), histories::of));
        return new ExpirePlan(kept.stream().map(BackupManifest::id).toList(), expired,
                inProgress.isEmpty() ? incomplete : List.of(), expendableWal(kept, lineages, WAL),
                expendableWal(kept, lineages, Repository.WAL_SUMMARIES), expendableGaps(kept, lineages, gaps.records()), inProgress);
    }

    /** Removes what plan() decided, in the crash-safe order. */
    public void apply(ExpirePlan plan) {
        for (BackupId id : plan.expired()) {
            repository.delete(BackupManifest.manifestKey(id));
            deleteObjects(id);
            log.info("expired backup {}", id);
        }
        if (!plan.leftovers().isEmpty()) {
            Optional<LockHolder> now = BackupLock.read(repository);
            if (!writer(now, now).isEmpty()) {
                log.info("a backup started meanwhile ({}): leaving incomplete backups alone", now.get().backupId());
            } else {
                for (BackupId id : plan.leftovers()) {
                    if (catalog.find(id).isEmpty()) {
                        deleteObjects(id);
                        log.info("removed the leftovers of interrupted backup {}", id);
                    }
                }
            }
        }
        plan.walSummaryKeys().forEach(repository::delete);
        for (String key : plan.walKeys()) {
            repository.delete(key);
            log.debug("expired WAL {}", repository.objectName(key));
        }
        if (!plan.walKeys().isEmpty()) {
            log.info("expired {} WAL files", plan.walKeys().size());
        }
        for (WalGap gap : plan.gaps()) {
            gapRecords.delete(gap);
            log.info("removed the record of the WAL gap {}: it lies before every kept backup", gap.range());
        }
    }

    private void deleteObjects(BackupId id) {
        for (ObjectInfo object : catalog.objects(id)) {
            repository.delete(object.key());
        }
    }

    /* The backup holding the lock, when either read found a fresh heartbeat or the holder changed between them. */
    private List<String> writer(Optional<LockHolder> before, Optional<LockHolder> after) {
        for (Optional<LockHolder> holder : List.of(before, after)) {
            if (holder.isPresent()
                    && Duration.between(holder.get().heartbeat(), clock.instant()).compareTo(staleLockAfter) < 0) {
                return List.of(holder.get().backupId());
            }
        }
        if (!before.map(LockHolder::owner).equals(after.map(LockHolder::owner))) {
            return List.of(after.or(() -> before).orElseThrow().backupId());
        }
        return List.of();
    }

    /** The WAL files (or their summaries) under prefix that no kept backup needs. */
    private List<String> expendableWal(List<BackupManifest> kept, Map<TimelineId, TimelineHistory> lineages,
            String prefix) {
        Optional<ClusterInfo> cluster = repository.clusterInfo();
        if (kept.isEmpty() || cluster.isEmpty()) {
            return List.of();
        }
        WalSegmentSize size = cluster.get().walSegmentSize();
        List<String> expendable = new ArrayList<>();
        for (ObjectInfo object : repository.list(prefix)) {
            segmentOf(object.key()).filter(segment -> kept.stream().allMatch(backup ->
                            lineages.get(backup.startTimeline()).contains(segment.timeline())
                                    && segment.segmentNumber(size) < backup.startLsn().segmentNumber(size)))
                    .ifPresent(segment -> expendable.add(object.key()));
        }
        return expendable;
    }

    /* The segment a WAL object belongs to; empty for history files and anything not named like WAL (kept). */
    private static Optional<WalSegmentName> segmentOf(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        try {
            WalFileName file = WalFileName.parse(name);
            return file.kind() == WalFileName.Kind.HISTORY ? Optional.empty() : file.segment();
        } catch (PgbkException e) {
            return Optional.empty();
        }
    }

    /* Backups with a gap between their start and stop: recovery from them never becomes consistent. */
    private static Set<BackupId> unrestorable(List<BackupManifest> backups, WalGaps gaps) {
        return backups.stream()
                .filter(backup -> gaps.records().stream().anyMatch(gaps.ownWal(backup, TargetTimeline.LATEST)::crosses))
                .map(BackupManifest::id).collect(Collectors.toSet());
    }

    /* Gaps wholly before every kept backup's start, on timelines that lead to it: nothing kept can reach them. */
    private static List<WalGap> expendableGaps(List<BackupManifest> kept, Map<TimelineId, TimelineHistory> lineages,
            List<WalGap> gaps) {
        if (kept.isEmpty()) {
            return List.of();
        }
        return gaps.stream().filter(gap -> kept.stream().allMatch(backup -> {
            TimelineHistory lineage = lineages.get(backup.startTimeline());
            return lineage.contains(gap.from().timeline()) && lineage.contains(gap.to().timeline())
                    && gap.to().lsn().compareTo(backup.startLsn()) <= 0;
        })).toList();
    }
}
