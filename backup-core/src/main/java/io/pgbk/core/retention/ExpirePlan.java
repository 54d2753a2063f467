/*
 * What one expire run removes, decided before anything is removed so that --dry-run shows
 * exactly what a real run would do.
 */
package io.pgbk.core.retention;

import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.wal.WalGap;
import java.util.List;

/**
 * @param kept       complete backups that stay, oldest first
 * @param expired    complete backups past the policy, oldest first
 * @param leftovers  backups without backup.json whose writer is gone (no lock, or a stale one)
 * @param walKeys    archived WAL no kept backup needs, keys relative to the cluster's area
 * @param walSummaryKeys the summaries of those segments (and of segments gone already), by the same rule
 * @param gaps       recorded WAL gaps that lie wholly in the WAL removed (before every kept backup's start)
 * @param inProgress a backup being written, whose lock is fresh: it and every incomplete backup are left alone
 */
public record ExpirePlan(List<BackupId> kept, List<BackupId> expired, List<BackupId> leftovers, List<String> walKeys,
        List<String> walSummaryKeys, List<WalGap> gaps, List<String> inProgress) {

    public ExpirePlan {
        kept = List.copyOf(kept);
        expired = List.copyOf(expired);
        leftovers = List.copyOf(leftovers);
        walKeys = List.copyOf(walKeys);
        walSummaryKeys = List.copyOf(walSummaryKeys);
        gaps = List.copyOf(gaps);
        inProgress = List.copyOf(inProgress);
    }

    public boolean isEmpty() {
        return expired.isEmpty() && leftovers.isEmpty() && walKeys.isEmpty() && walSummaryKeys.isEmpty() && gaps.isEmpty();
    }
}
