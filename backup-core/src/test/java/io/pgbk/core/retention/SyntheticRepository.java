package io.pgbk.core.retention;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.manifest.SampleManifests;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.ObjectInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Backups and WAL objects with made-up content: retention reads manifests and names, never the data. */
record SyntheticRepository(Repository repository) {

    static final WalSegmentSize SEGMENT = WalSegmentSize.ofBytes(1024 * 1024);

    SyntheticRepository {
        repository.ensureCluster(new ClusterInfo(SystemIdentifier.parse("7312345678901234567"), 15, SEGMENT, 8192,
                ClusterInfo.FORMAT_VERSION), "a test");
    }

    /** A complete backup (one part and backup.json) started on timeline at the given segment; stopped a minute after its id. */
    BackupManifest backup(String id, BackupType type, BackupManifest parent, TimelineId timeline, long startSegment) {
        BackupManifest template = SampleManifests.full(BackupId.parse(id));
        BackupId backupId = template.id();
        BackupManifest backup = new BackupManifest(template.formatVersion(), backupId, type,
                parent == null ? null : parent.id(), template.label(), new Lsn(startSegment * SEGMENT.bytes() + 40),
                new Lsn(startSegment * SEGMENT.bytes() + 5000), timeline, timeline, backupId.time(),
                backupId.time().plusSeconds(60), template.source(), template.systemIdentifier(),
                template.pgMajorVersion(), template.compression(), template.dataChecksums(), template.backupLabel(),
                template.tablespaceMap(), template.tablespaces(), template.parts(), template.files());
        part(backupId);
        put(BackupManifest.manifestKey(backupId), new ManifestJson().write(backup));
        return backup;
    }

    /** A part without backup.json: a backup being written or an interrupted one. */
    void part(BackupId id) {
        put(BackupManifest.partKey(id, 0), new byte[100]);
    }

    void segments(TimelineId timeline, long first, long last) {
        for (long number = first; number <= last; number++) {
            wal(WalSegmentName.ofSegmentNumber(timeline, number, SEGMENT).toString());
        }
    }

    /** Stand-ins for the summaries of segments first to last (content is not read by expire). */
    void segmentSummaries(TimelineId timeline, long first, long last) {
        for (long number = first; number <= last; number++) {
            put(Repository.walSummaryKey(WalSegmentName.ofSegmentNumber(timeline, number, SEGMENT)), new byte[10]);
        }
    }

    List<String> segmentSummaryNames() {
        return repository.list(Repository.WAL_SUMMARIES).stream().map(ObjectInfo::key)
                .map(key -> key.substring(key.lastIndexOf('/') + 1)).sorted().toList();
    }

    void history(TimelineId timeline, String content) {
        put(Repository.walKey(WalFileName.parse(timeline.historyFileName())), content.getBytes(StandardCharsets.UTF_8));
    }

    void wal(String name) {
        put(Repository.walKey(WalFileName.parse(name)), new byte[10]);
    }

    /** WAL file names in the repository, in key order. */
    List<String> walNames() {
        return repository.list("wal/").stream().map(ObjectInfo::key).map(key -> key.substring(key.lastIndexOf('/') + 1))
                .sorted().toList();
    }

    List<String> keys() {
        return repository.list("").stream().map(ObjectInfo::key).toList();
    }

    private void put(String key, byte[] content) {
        try {
            repository.putIfAbsent(key, new SealingInputStream(new ByteArrayInputStream(content), Compression.NONE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
