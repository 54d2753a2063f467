package io.pgbk.core.manifest;

import io.pgbk.core.page.PageMap;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import java.time.Instant;
import java.util.List;

/** Manifests with every kind of field filled, for tests of the manifest and of what reads it. */
public final class SampleManifests {

    private SampleManifests() {
    }

    /** An incremental backup with a partial relation file, a file of its parent and a tablespace link. */
    public static BackupManifest incremental() {
        BackupId id = BackupId.parse("20261129T021500Z");
        BackupId parent = BackupId.parse("20261128T021500Z");
        ManifestFile relation = new ManifestFile("base/5/16384", EntryKind.FILE, FileMode.parse("0600"), 24576,
                Instant.parse("2026-11-29T02:14:00Z"), "ab".repeat(32), null, new FileData(id, 0, 512, 8192, "0a1b2c3d"),
                PageMap.parse("24576:2"), List.of(1));
        ManifestFile unchanged = new ManifestFile("PG_VERSION", EntryKind.FILE, FileMode.parse("0600"), 3,
                Instant.parse("2026-01-01T00:00:00Z"), "cd".repeat(32), null, new FileData(parent, 3, 1536, 3, null), null,
                List.of());
        ManifestFile link = new ManifestFile("pg_tblspc/16390", EntryKind.SYMLINK, FileMode.parse("0777"), 0,
                Instant.parse("2026-01-01T00:00:00Z"), null, "/srv/ts1", null, null, List.of());
        return new BackupManifest(BackupManifest.FORMAT_VERSION, id, BackupType.INCR, parent, "pgbk backup " + id,
                Lsn.parse("0/3000028"), Lsn.parse("0/5000100"), TimelineId.FIRST, new TimelineId(2),
                Instant.parse("2026-11-29T02:15:00Z"), Instant.parse("2026-11-29T02:16:30Z"),
                new SourceNode("10.0.0.2", 5432, true, "15.8"), SystemIdentifier.parse("7312345678901234567"), 15,
                "zstd:1", true, "START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\n",
                "16390 /srv/ts1\n", List.of(new TablespaceInfo(16390, "/srv/ts1")),
                List.of(new PartInfo(0, 20480, 3000, null, "0a1b2c3d")), List.of(unchanged, link, relation));
    }

    /** A full backup of the same shape, with another id. */
    public static BackupManifest full(BackupId id) {
        BackupManifest template = incremental();
        return new BackupManifest(template.formatVersion(), id, BackupType.FULL, null, template.label(),
                template.startLsn(), template.stopLsn(), template.startTimeline(), template.stopTimeline(),
                template.startTime(), template.stopTime(), template.source(), template.systemIdentifier(),
                template.pgMajorVersion(), template.compression(), template.dataChecksums(), template.backupLabel(),
                template.tablespaceMap(), template.tablespaces(), template.parts(), template.files());
    }
}
