package io.pgbk.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.manifest.PartInfo;
import io.pgbk.core.manifest.SampleManifests;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.SealHeader;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.stream.CountingOutputStream;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifierTest {

    private static final WalSegmentSize SEGMENT = WalSegmentSize.ofBytes(1024 * 1024);
    private static final BackupId FULL = BackupId.parse("20261128T000000Z");
    private static final BackupId INCR = BackupId.parse("20261129T000000Z");

    @TempDir
    Path root;
    private LocalObjectStore store;
    private Repository repository;
    private final List<ManifestFile> fullFiles = new ArrayList<>();

    @BeforeEach
    void writeBackups() throws IOException {
        store = new LocalObjectStore(root);
        repository = Repository.open(store, "main");
        repository.ensureCluster(new ClusterInfo(SystemIdentifier.parse("7312345678901234567"), 15, SEGMENT, 8192,
                ClusterInfo.FORMAT_VERSION), "a test");
        PartInfo fullPart = part(FULL, fullFiles, "PG_VERSION", "15\n", "base/5/16384", "x".repeat(20_000),
                "global/pg_control", "control");
        put(BackupManifest.manifestKey(FULL), new ManifestJson().write(manifest(FULL, BackupType.FULL, null, 2,
                List.of(fullPart), fullFiles)));
        List<ManifestFile> incrFiles = new ArrayList<>();
        PartInfo incrPart = part(INCR, incrFiles, "global/pg_control", "control 2");
        incrFiles.add(fullFiles.get(0)); // PG_VERSION unchanged: its bytes are in the full backup's part
        put(BackupManifest.manifestKey(INCR), new ManifestJson().write(manifest(INCR, BackupType.INCR, FULL, 4,
                List.of(incrPart), incrFiles)));
        for (long number = 2; number <= 5; number++) {
            put(segmentKey(number), new byte[1000]);
        }
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void intactBackupsAndWalAreOk() {
        List<Verdict> verdicts = new Verifier(repository, 2).verifyBackups(List.of(FULL, INCR));

        assertThat(verdicts).allSatisfy(verdict -> assertThat(verdict.findings()).isEmpty());
        assertThat(verdicts.get(0).objectsRead()).isEqualTo(3); // its part, two segments
        assertThat(verdicts.get(1).objectsRead()).isEqualTo(4); // its part, the full backup's part, two segments
        assertThat(new Verifier(repository, 2).verifyWal().ok()).isTrue();
    }

    @Test
    void aFlippedByteInAPartNamesTheFileAndFailsTheBackupsThatNeedIt() throws IOException {
        ManifestFile relation = fullFiles.get(1);
        flipByte(BackupManifest.partKey(FULL, 0), SealHeader.SIZE + relation.data().offset() + 100);

        List<Verdict> verdicts = new Verifier(repository, 2).verifyBackups(List.of(FULL, INCR));

        assertThat(verdicts.get(0).ok()).isFalse();
        assertThat(verdicts.get(0).findings()).anySatisfy(finding -> {
            assertThat(finding.file()).isEqualTo("base/5/16384");
            assertThat(finding.object()).isEqualTo("main/backups/20261128T000000Z/parts/0000.tar");
            assertThat(finding.problem()).startsWith("CRC32C expected " + relation.data().crc32c() + ", actual ");
        });
        assertThat(verdicts.get(0).findings()).anySatisfy(finding ->
                assertThat(finding.problem()).contains("is corrupt: checksum mismatch"));
        assertThat(verdicts.get(1).ok()).as("the incremental reads PG_VERSION from that part").isFalse();
    }

    @Test
    void aMissingWalSegmentFailsTheBackup() {
        repository.delete(segmentKey(5));

        List<Verdict> verdicts = new Verifier(repository, 1).verifyBackups(List.of(FULL, INCR));

        assertThat(verdicts.get(0).ok()).isTrue();
        assertThat(verdicts.get(1).findings()).singleElement().satisfies(finding -> {
            assertThat(finding.object()).isEqualTo("main/wal/0000000100000000/000000010000000000000005");
            assertThat(finding.problem()).isEqualTo("missing: the backup needs the WAL segments "
                    + "000000010000000000000004 to 000000010000000000000005");
        });
    }

    @Test
    void verifyWalFindsADamagedSegment() throws IOException {
        flipByte(segmentKey(5), SealHeader.SIZE + 10);

        Verdict verdict = new Verifier(repository, 2).verifyWal();

        assertThat(verdict.objectsRead()).isEqualTo(4);
        assertThat(verdict.findings()).singleElement().satisfies(finding ->
                assertThat(finding.describe()).startsWith("main/wal/0000000100000000/000000010000000000000005: "
                        + "object main/wal/0000000100000000/000000010000000000000005 is corrupt"));
    }

    @Test
    void verifyWalReadsSegmentSummariesToo() throws IOException {
        String summary = Repository.walSummaryKey(WalSegmentName.ofSegmentNumber(TimelineId.FIRST, 5, SEGMENT));
        put(summary, new byte[100]);
        flipByte(summary, SealHeader.SIZE + 10);

        Verdict verdict = new Verifier(repository, 2).verifyWal();

        assertThat(verdict.objectsRead()).isEqualTo(5);
        assertThat(verdict.findings()).singleElement().satisfies(finding ->
                assertThat(finding.describe()).startsWith("main/wal-summary/0000000100000000/000000010000000000000005: "
                        + "object main/wal-summary/0000000100000000/000000010000000000000005 is corrupt"));
    }

    /** Writes a part of (path, content) pairs, uncompressed so that a byte of the object is a byte of a file. */
    private PartInfo part(BackupId id, List<ManifestFile> files, String... pathsAndContents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CountingOutputStream counter = new CountingOutputStream(bytes);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(counter, TarConstants.DEFAULT_RCDSIZE)) {
            for (int i = 0; i < pathsAndContents.length; i += 2) {
                byte[] content = pathsAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(pathsAndContents[i], true);
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                long offset = counter.count();
                tar.write(content);
                tar.closeArchiveEntry();
                files.add(new ManifestFile(pathsAndContents[i], EntryKind.FILE, FileMode.parse("0600"), content.length,
                        Instant.parse("2026-11-28T00:00:00Z"), sha256(content), null,
                        new FileData(id, 0, offset, content.length, crc32c(content)), null, List.of()));
            }
        }
        byte[] tar = bytes.toByteArray();
        put(BackupManifest.partKey(id, 0), tar);
        return new PartInfo(0, tar.length, tar.length + SealHeader.SIZE + ContentDigest.TRAILER_SIZE, sha256(tar),
                null);
    }

    private static BackupManifest manifest(BackupId id, BackupType type, BackupId parent, long startSegment,
            List<PartInfo> parts, List<ManifestFile> files) {
        BackupManifest template = SampleManifests.full(id);
        long start = startSegment * SEGMENT.bytes();
        return new BackupManifest(template.formatVersion(), id, type, parent, template.label(), new Lsn(start + 40),
                new Lsn(start + SEGMENT.bytes() + 100), TimelineId.FIRST, TimelineId.FIRST, id.time(),
                id.time().plusSeconds(60), template.source(), template.systemIdentifier(), template.pgMajorVersion(),
                "none", false, template.backupLabel(), "", List.of(), parts, files);
    }

    private static String segmentKey(long number) {
        return Repository.walKey(WalFileName.parse(
                WalSegmentName.ofSegmentNumber(TimelineId.FIRST, number, SEGMENT).toString()));
    }

    private void flipByte(String key, long position) throws IOException {
        Path file = root.resolve(repository.objectName(key));
        assertThat(file).exists();
        try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
            raw.seek(position);
            int value = raw.read();
            raw.seek(position);
            raw.write(value ^ 0x01);
        }
        assertThat(Files.size(file)).isGreaterThan(position);
    }

    private void put(String key, byte[] content) throws IOException {
        repository.putIfAbsent(key, new SealingInputStream(new ByteArrayInputStream(content), Compression.NONE));
    }

    private static String crc32c(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return FileData.crc32cText(crc);
    }

    private static String sha256(byte[] content) {
        return HexFormat.of().formatHex(ContentDigest.newSha256().digest(content));
    }
}
