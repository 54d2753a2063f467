/*
 * Repacks the tar pg_basebackup writes into the repository's parts, entry by entry, so that a
 * stream-mode backup is stored exactly like a local-mode one and restore and verify cannot tell
 * them apart: each file goes through page checksum verification (relation files, when the cluster
 * has checksums) -> SHA-256 -> a tar entry of a sealed part, whose offset the manifest records.
 *
 * The stream is PostgreSQL's own base backup (basebackup.c): backup_label first, tablespace_map
 * when there are tablespaces, the data directory with PostgreSQL's exclusions already applied,
 * global/pg_control last, then the backup_manifest that pg_basebackup appends. The label and map
 * go into pgbk's manifest, as in local mode, not into the files; the backup_manifest yields the
 * stop LSN. On top of the server's exclusions, pgbk leaves out what local mode leaves out beyond
 * them (PgdataScanner: current_logfiles, standby.signal, recovery.signal at the top level).
 *
 * The system identifier is read from the streamed pg_control: the JDBC session that checked the
 * node and pg_basebackup's connection are two connections, which a load balancer may send to
 * different servers.
 *
 * A page failing its checksum cannot be read a second time here, unlike local mode: the stream
 * passes once. Pages written since the backup started carry a newer LSN, which the verifier
 * tolerates; a read that the server tore in the middle of a page write can still be reported, so
 * the warning names the file and blocks for a check (pg_checksums, or the next backup).
 */
package io.pgbk.core.backup;

import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.page.PageChecksumVerifier;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import io.pgbk.core.pgdata.PgdataScanner;
import io.pgbk.core.pgdata.RelationFile;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.error.PgbkException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class BaseBackupTarCopier {

    private static final Logger log = LoggerFactory.getLogger(BaseBackupTarCopier.class);
    private static final String BACKUP_LABEL = "backup_label";
    private static final String TABLESPACE_MAP = "tablespace_map";
    private static final String BACKUP_MANIFEST = "backup_manifest";
    private static final int MODE_BITS = 0777;

    private final boolean verifyChecksums;
    private final BackupProgress progress;
    private final Clock clock;

    BaseBackupTarCopier(boolean verifyChecksums, BackupProgress progress, Clock clock) {
        this.verifyChecksums = verifyChecksums;
        this.progress = progress;
        this.clock = clock;
    }

    /**
     * What the stream held besides the files.
     *
     * @param startTime        when the label arrived: the server had started the backup
     * @param systemIdentifier as the streamed pg_control holds it
     */
    record Copied(BackupLabel label, Instant startTime, String tablespaceMap, BaseBackupWalRange walRange,
            SystemIdentifier systemIdentifier, List<ManifestFile> files) {
    }

    /** Reads the tar to its end (so pg_basebackup can exit), filling parts through sink. */
    Copied copy(InputStream stream, PartSink sink) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(stream);
        BackupLabel label = null;
        Instant startTime = null;
        String tablespaceMap = "";
        byte[] backupManifest = null;
        byte[] control = null;
        List<ManifestFile> files = new ArrayList<>();
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            String path = pathOf(entry);
            if (path.equals(BACKUP_LABEL)) {
                label = BackupLabel.parse(new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                startTime = clock.instant();
            } else if (path.equals(TABLESPACE_MAP)) {
                tablespaceMap = new String(tar.readAllBytes(), StandardCharsets.UTF_8);
            } else if (path.equals(BACKUP_MANIFEST)) {
                backupManifest = tar.readAllBytes();
            } else if (!PgdataScanner.EXCLUDED_TOP_LEVEL_FILES.contains(path)) {
                if (label == null) {
                    throw new PgbkException("pg_basebackup's tar did not start with backup_label but with " + path);
                }
                InputStream content = tar;
                if (path.equals(PgdataScanner.CONTROL_FILE)) {
                    control = tar.readAllBytes(); // 8 KiB, read once for its system identifier
                    content = new ByteArrayInputStream(control);
                }
                copyEntry(entry, path, content, label, sink).ifPresent(files::add);
            }
        }
        stream.transferTo(OutputStream.nullOutputStream());
        sink.finish();
        if (backupManifest == null) {
            throw new PgbkException("pg_basebackup's tar ended without its backup_manifest: the backup broke off");
        }
        if (control == null || control.length < Long.BYTES
                || !files.get(files.size() - 1).path().equals(PgdataScanner.CONTROL_FILE)) {
            throw new PgbkException("pg_basebackup's tar did not end with " + PgdataScanner.CONTROL_FILE);
        }
        // pg_control starts with the system identifier, in the server's byte order: little-endian, as
        // PgdataScanner also assumes
        SystemIdentifier system = new SystemIdentifier(
                ByteBuffer.wrap(control, 0, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong());
        return new Copied(label, startTime, tablespaceMap, BaseBackupWalRange.parse(backupManifest), system, files);
    }

    private Optional<ManifestFile> copyEntry(TarArchiveEntry entry, String path, InputStream tar, BackupLabel label,
            PartSink sink) throws IOException {
        FileMode mode = new FileMode(entry.getMode() & MODE_BITS);
        Instant modified = entry.getModTime().toInstant();
        if (entry.isDirectory()) {
            return Optional.of(new ManifestFile(path, EntryKind.DIRECTORY, mode, 0, modified, null, null, null, null,
                    List.of()));
        }
        if (entry.isSymbolicLink()) {
            return Optional.of(new ManifestFile(path, EntryKind.SYMLINK, mode, 0, modified, null, entry.getLinkName(),
                    null, null, List.of()));
        }
        if (!entry.isFile()) {
            log.warn("skipping {} from pg_basebackup: only files, directories and tablespace links are backed up",
                    path);
            return Optional.empty();
        }
        long size = entry.getSize();
        InputStream in = tar;
        PageChecksumVerifier verifier = null;
        Optional<RelationFile> relation = RelationFile.parse(path);
        if (verifyChecksums && relation.isPresent()) {
            verifier = new PageChecksumVerifier(in, path, relation.get().firstBlockNumber(), label.startLsn());
            in = verifier;
        }
        DigestInputStream digest = new DigestInputStream(in, ContentDigest.newSha256());
        TarPart part = sink.partFor(size);
        FileData data = part.add(path, mode.bits(), modified, size, digest);
        sink.closeIfFull();
        progress.copied(size);
        List<Integer> corrupt = verifier == null ? List.of() : verifier.result().corruptBlocks();
        if (!corrupt.isEmpty()) {
            log.warn("page checksum failure in {}: blocks {}", path, corrupt);
        }
        return Optional.of(new ManifestFile(path, EntryKind.FILE, mode, size, modified,
                HexFormat.of().formatHex(digest.getMessageDigest().digest()), null, data, null, corrupt));
    }

    /** The entry's path relative to the data directory, as local mode writes it: no "./", no trailing '/'. */
    private static String pathOf(TarArchiveEntry entry) {
        String name = entry.getName();
        if (name.startsWith("./")) {
            name = name.substring(2);
        }
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        return name;
    }
}
