package io.pgbk.core.backup;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.page.ChangedPageOverlay;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.repo.Repository;
import io.pgbk.storage.ObjectInfo;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The smallest restore that proves a backup holds what its manifest says: every file taken from
 * its tar entry (through the parent chain for page maps), checked against its SHA-256 where the
 * manifest has one (not for entries with a page map, from format 3), plus
 * backup_label and tablespace_map (tablespaces moved where the test says). No WAL: the test adds
 * recovery settings.
 */
final class ManifestExtraction {

    private final Repository repository;
    private final Catalog catalog;
    private final Map<String, byte[]> parts = new HashMap<>();

    ManifestExtraction(Repository repository) {
        this.repository = repository;
        this.catalog = new Catalog(repository);
    }

    void extract(BackupManifest backup, Path target) throws IOException {
        extract(backup, target, Map.of());
    }

    /** Restores tablespace OID into tablespaces.get(OID) instead of its original location. */
    void extract(BackupManifest backup, Path target, Map<Long, Path> tablespaces) throws IOException {
        String tablespaceMap = backup.tablespaceMap();
        for (ManifestFile file : backup.files()) {
            Path path = target.resolve(file.path());
            if (file.kind() == EntryKind.SYMLINK) {
                long oid = Long.parseLong(path.getFileName().toString());
                Path location = tablespaces.get(oid);
                Files.createDirectories(path.getParent());
                Files.createSymbolicLink(path, location);
                tablespaceMap = tablespaceMap.replace(oid + " " + file.linkTarget() + "\n", oid + " " + location + "\n");
            } else if (file.kind() == EntryKind.DIRECTORY) {
                Files.createDirectories(path);
            } else if (file.kind() == EntryKind.FILE) {
                Files.createDirectories(path.getParent());
                byte[] content;
                try (InputStream in = content(backup, file)) {
                    content = in.readAllBytes();
                }
                if (content.length != file.size()
                        || file.sha256() != null && !sha256(content).equals(file.sha256())) {
                    throw new IllegalStateException(file.path() + " restored with other content than backed up");
                }
                Files.write(path, content);
            }
            if (file.kind() != EntryKind.SYMLINK) {
                Files.setPosixFilePermissions(path, file.mode().permissions());
            }
        }
        Files.writeString(target.resolve("backup_label"), backup.backupLabel(), StandardCharsets.UTF_8);
        if (!tablespaceMap.isEmpty()) {
            Files.writeString(target.resolve("tablespace_map"), tablespaceMap, StandardCharsets.UTF_8);
        }
    }

    /**
     * Extracts backup into data, fetches all archived WAL into wal, and starts PostgreSQL there
     * recovering to the end of the backup (recovery_target = 'immediate'), then promoted.
     */
    PostgresCluster recover(BackupManifest backup, Path data, Path wal, Map<Long, Path> tablespaces)
            throws IOException {
        extract(backup, data, tablespaces);
        WalArchive archive = new WalArchive(repository, Compression.DEFAULT);
        for (ObjectInfo object : repository.list("wal/")) {
            String name = Path.of(object.key()).getFileName().toString();
            archive.fetch(name, wal.resolve(name));
        }
        ServiceUser.forServers().takeOwnership(wal);
        for (Path location : tablespaces.values()) {
            ServiceUser.forServers().takeOwnership(location);
        }
        Files.writeString(data.resolve("recovery.signal"), "");
        Files.writeString(data.resolve("postgresql.auto.conf"), "restore_command = 'cp " + wal
                + "/%f %p'\nrecovery_target = 'immediate'\nrecovery_target_action = 'promote'\n"
                + "archive_mode = 'off'\n");
        PostgresCluster restored = PostgresCluster.restoredFrom(data, PostgresOptions.defaults());
        try {
            restored.waitUntilPromoted();
            return restored;
        } catch (RuntimeException e) {
            restored.close();
            throw e;
        }
    }

    private InputStream content(BackupManifest backup, ManifestFile file) throws IOException {
        InputStream stored = slice(file.data());
        if (!file.isPartial()) {
            return stored;
        }
        BackupManifest parent = catalog.read(backup.parent());
        InputStream parentContent = parent.file(file.path()).isPresent()
                ? content(parent, parent.file(file.path()).get()) : InputStream.nullInputStream();
        return new ChangedPageOverlay(parentContent, stored, file.pageMap(), file.path());
    }

    /** Test data is small: each part is read (and its trailer verified) once, then sliced from memory. */
    private InputStream slice(FileData data) throws IOException {
        byte[] part = parts.get(data.partKey());
        if (part == null) {
            try (InputStream in = repository.get(data.partKey()).orElseThrow()) {
                part = in.readAllBytes();
            }
            parts.put(data.partKey(), part);
        }
        return new ByteArrayInputStream(part, (int) data.offset(), (int) data.length());
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
