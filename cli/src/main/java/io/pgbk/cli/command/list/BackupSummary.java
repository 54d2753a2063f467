/*
 * One line of `pgbk list`: what an operator compares between backups, without the file list.
 * The --json form has the same fields, with LSNs and times as backup.json writes them. walGap
 * says when a recorded WAL gap lies in or after the backup's WAL (null when none does): restores
 * from such a backup cannot go past it.
 */
package io.pgbk.cli.command.list;

import io.pgbk.core.catalog.WalGaps;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.restore.RequiredWal;
import java.time.Instant;

public record BackupSummary(String id, String type, String parent, String source, Instant startTime,
        Instant stopTime, long durationSeconds, String startLsn, String stopLsn, long timeline, long dataSize,
        long storedSize, String status, String walGap) {

    public static BackupSummary of(BackupManifest backup, WalGaps gaps) {
        int corrupt = backup.filesWithCorruptPages().stream().mapToInt(file -> file.corruptBlocks().size()).sum();
        return new BackupSummary(backup.id().toString(), backup.type().toString(),
                backup.parent() == null ? null : backup.parent().toString(), backup.source().toString(),
                backup.startTime(), backup.stopTime(), backup.duration().toSeconds(), backup.startLsn().toString(),
                backup.stopLsn().toString(), backup.stopTimeline().value(), backup.dataSize(), backup.storedSize(),
                corrupt == 0 ? "ok" : corrupt + " bad pages", RequiredWal.gapNote(backup, gaps).orElse(null));
    }
}
