/*
 * Which complete backups to keep (pgBackRest's repo-retention-full of type count or time,
 * Barman's REDUNDANCY and RECOVERY WINDOW, with Barman's minimum_redundancy as a floor):
 *  - fullCount N: the newest N full backups and every backup taken after the oldest of them;
 *  - window W: every backup a restore to any point of the last W needs, i.e. the newest full
 *    backup that ended before the window began, and every backup after it (without such a full
 *    backup, all of them: the window is not covered yet);
 *  - minimumRedundancy M: at least the newest M full backups, whatever the policies above say.
 * With both a count and a window a backup stays when either keeps it. The decision is by full
 * backups and by time order only: an incremental is kept exactly when the full backup it was
 * taken after is, and the ancestors of every kept backup are kept, so a kept incremental never
 * loses its chain.
 *
 * A full backup that cannot be restored (a recorded WAL gap lies inside its own WAL) does not
 * count: it neither makes up the number nor covers the window, so a broken newest backup never
 * lets an older, restorable one go. It is kept like any other backup after the boundary.
 */
package io.pgbk.core.retention;

import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.error.PgbkException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

public record RetentionPolicy(Optional<Integer> fullCount, Optional<RetentionWindow> window, int minimumRedundancy) {

    public RetentionPolicy {
        if (fullCount.isEmpty() && window.isEmpty()) {
            throw new PgbkException("no retention policy: set retention-full (a number of full backups) "
                    + "or retention-window (e.g. 7d)");
        }
        if (fullCount.filter(count -> count < 1).isPresent()) {
            throw new PgbkException("retention-full must be at least 1, not " + fullCount.get());
        }
        if (minimumRedundancy < 0) {
            throw new PgbkException("minimum-redundancy cannot be negative: " + minimumRedundancy);
        }
    }

    /**
     * The ids of the backups to keep among backups (complete ones, any order), at time now.
     *
     * @param unrestorable backups whose own WAL has a gap: their full backups count only when no other does
     */
    public Set<BackupId> keep(List<BackupManifest> backups, Instant now, Set<BackupId> unrestorable) {
        List<BackupManifest> allFulls = backups.stream().filter(backup -> backup.type() == BackupType.FULL)
                .sorted(Comparator.comparing(BackupManifest::id)).toList();
        List<BackupManifest> restorableFulls = allFulls.stream()
                .filter(full -> !unrestorable.contains(full.id())).toList();
        List<BackupManifest> fulls = restorableFulls.isEmpty() ? allFulls : restorableFulls;
        if (fulls.isEmpty()) {
            return backups.stream().map(BackupManifest::id).collect(Collectors.toCollection(TreeSet::new));
        }
        BackupId oldestKeptFull = fulls.get(Math.max(0, fulls.size() - Math.max(1, minimumRedundancy))).id();
        if (fullCount.isPresent()) {
            oldestKeptFull = min(oldestKeptFull, fulls.get(Math.max(0, fulls.size() - fullCount.get())).id());
        }
        if (window.isPresent()) {
            Instant windowStart = now.minus(window.get().length());
            BackupId coveringFull = fulls.stream().filter(full -> !full.stopTime().isAfter(windowStart))
                    .map(BackupManifest::id).reduce((older, newer) -> newer).orElse(fulls.get(0).id());
            oldestKeptFull = min(oldestKeptFull, coveringFull);
        }
        BackupId boundary = oldestKeptFull;
        Set<BackupId> kept = backups.stream().map(BackupManifest::id).filter(id -> id.compareTo(boundary) >= 0)
                .collect(Collectors.toCollection(TreeSet::new));
        addAncestors(kept, backups);
        return kept;
    }

    /* An incremental taken after the boundary whose parent precedes it (parent chosen by hand, or clock skew). */
    private static void addAncestors(Set<BackupId> kept, List<BackupManifest> backups) {
        Map<BackupId, BackupManifest> byId = backups.stream()
                .collect(Collectors.toMap(BackupManifest::id, Function.identity()));
        for (BackupId id : List.copyOf(kept)) {
            BackupManifest current = byId.get(id);
            while (current != null && current.parent() != null) {
                kept.add(current.parent());
                current = byId.get(current.parent());
            }
        }
    }

    private static BackupId min(BackupId a, BackupId b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public String toString() {
        return fullCount.map(count -> "retention-full " + count).orElse("")
                + (fullCount.isPresent() && window.isPresent() ? ", " : "")
                + window.map(length -> "retention-window " + length).orElse("")
                + ", minimum-redundancy " + minimumRedundancy;
    }
}
