/*
 * What a base backup is: backups/<id>/backup.json, a sealed object written LAST and atomically,
 * once every part is stored and the WAL from start to stop LSN is in the repository. A backup
 * without it does not exist (for list, restore and expire), so the presence of this one object
 * is the commit point of a backup.
 *
 * It holds everything a restore needs besides the parts and the WAL: backup_label and
 * tablespace_map exactly as pg_backup_stop returned them (restore writes them into the data
 * directory), the tablespaces, and every file with its checksum and location. Keys are laid out
 * under backups/<id>/ (see docs/repository-format.md, "Base backups"):
 *   backups/<id>/parts/0000.tar ...   sealed tar parts
 *   backups/<id>/backup.json          this manifest
 */
package io.pgbk.core.manifest;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * @param formatVersion   FORMAT_VERSION when written; newer ones are refused when read
 * @param id              the backup's id
 * @param type            full or incr
 * @param parent          the backup an incremental one builds on; null for a full backup
 * @param label           the label given to pg_backup_start
 * @param startLsn        returned by pg_backup_start: where WAL replay of a restore begins
 * @param stopLsn         returned by pg_backup_stop: the restore is consistent once replay passes it
 * @param startTimeline   the server's timeline when the backup started
 * @param stopTimeline    the timeline of the stop LSN
 * @param startTime       when pg_backup_start returned
 * @param stopTime        when the backup was complete (WAL archived)
 * @param source          the server the files were read from
 * @param systemIdentifier the cluster's system identifier
 * @param pgMajorVersion  PostgreSQL major version, e.g. 15
 * @param compression     how the parts were compressed, e.g. "zstd:1" (each part's header says so too)
 * @param dataChecksums   whether page checksums were verified
 * @param backupLabel     pg_backup_stop's labelfile
 * @param tablespaceMap   pg_backup_stop's spcmapfile ("" without tablespaces)
 * @param tablespaces     the tablespaces backed up
 * @param parts           the stored parts, by number
 * @param files           every entry, in the order the backup copied them (global/pg_control last)
 */
public record BackupManifest(int formatVersion, BackupId id, BackupType type, BackupId parent, String label,
        Lsn startLsn, Lsn stopLsn, TimelineId startTimeline, TimelineId stopTimeline, Instant startTime,
        Instant stopTime, SourceNode source, SystemIdentifier systemIdentifier, int pgMajorVersion,
        String compression, boolean dataChecksums, String backupLabel, String tablespaceMap,
        List<TablespaceInfo> tablespaces, List<PartInfo> parts, List<ManifestFile> files) {

    /**
     * 3: each file's stored bytes carry a CRC32C (FileData.crc32c), and block-incremental entries
     * no SHA-256. 2: parts may carry a CRC32C trailer (PartInfo.crc32c). Older formats are read as well.
     */
    public static final int FORMAT_VERSION = 3;
    public static final String BACKUPS = "backups/";
    public static final String MANIFEST_NAME = "backup.json";

    public BackupManifest {
        tablespaces = List.copyOf(tablespaces);
        parts = List.copyOf(parts);
        files = List.copyOf(files);
    }

    /** Everything of one backup lives under this prefix. */
    public static String backupPrefix(BackupId id) {
        return BACKUPS + id + "/";
    }

    public static String manifestKey(BackupId id) {
        return backupPrefix(id) + MANIFEST_NAME;
    }

    public static String partKey(BackupId id, int part) {
        // not String.format, which a restore's first call per file made a cost of its start
        String number = Integer.toString(part);
        return backupPrefix(id) + "parts/" + "0".repeat(Math.max(0, 4 - number.length())) + number + ".tar";
    }

    public Optional<ManifestFile> file(String path) {
        return files.stream().filter(file -> file.path().equals(path)).findFirst();
    }

    /** Bytes of the data directory this backup restores to. */
    public long dataSize() {
        return files.stream().mapToLong(ManifestFile::size).sum();
    }

    /** Bytes this backup's own parts take in the repository (ancestors' parts not counted). */
    public long storedSize() {
        return parts.stream().mapToLong(PartInfo::storedSize).sum();
    }

    public Duration duration() {
        return Duration.between(startTime, stopTime);
    }

    /** Files with pages whose checksum failed. */
    public List<ManifestFile> filesWithCorruptPages() {
        return files.stream().filter(file -> !file.corruptBlocks().isEmpty()).toList();
    }
}
