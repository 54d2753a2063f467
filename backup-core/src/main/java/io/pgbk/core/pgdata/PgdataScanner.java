/*
 * Lists what a base backup must copy from a data directory, and what it must leave out.
 *
 * The exclusions are PostgreSQL's own (src/backend/backup/basebackup.c), so a restore from pgbk
 * starts from the same files as one from pg_basebackup:
 *  - the contents of pg_wal (WAL comes from the repository; pg_wal and pg_wal/archive_status stay,
 *    empty) and of pg_dynshmem, pg_notify, pg_replslot, pg_serial, pg_snapshots, pg_stat_tmp and
 *    pg_subtrans, which the server clears or rebuilds at start; the directories themselves stay
 *    so that restore recreates them with their permissions;
 *  - postmaster.pid and postmaster.opts (a restored server would think itself running),
 *    backup_label, tablespace_map and backup_manifest left over from an earlier backup (this
 *    backup's label and map come from pg_backup_stop), postgresql.auto.conf.tmp,
 *    current_logfiles.tmp, pg_internal.init* (relation cache, rebuilt at start);
 *  - anything named pgsql_tmp* (temporary files of running queries), files of temporary tables,
 *    and every fork of an unlogged relation except its init fork (recovery recreates the main
 *    fork from the init fork).
 * Beyond PostgreSQL's list, pgbk leaves out current_logfiles and, as pgBackRest does,
 * standby.signal and recovery.signal: a backup from a standby must not restore as a standby;
 * restore writes the signal file the target needs.
 *
 * Like basebackup.c, only links in pg_tblspc are followed (tablespaces: the link is an entry and
 * the tablespace's PG_<major>_<catversion> directory is walked under it) and pg_wal or an excluded
 * directory that is a link is kept as a directory; any other link, fifo or socket is skipped with
 * a warning. A file or directory that disappears during the walk was dropped by PostgreSQL and is
 * skipped. Entries come depth first, names sorted, each directory before its contents, and
 * global/pg_control last: it must be copied after everything else.
 */
package io.pgbk.core.pgdata;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class PgdataScanner {
    private static final Logger LOG = LoggerFactory.getLogger(PgdataScanner.class);

    public static final String CONTROL_FILE = "global/pg_control";
    private static final String WAL_DIRECTORY = "pg_wal";
    private static final String TABLESPACE_DIRECTORY = "pg_tblspc";
    private static final String TEMPORARY_PREFIX = "pgsql_tmp";
    private static final String RELCACHE_INIT_PREFIX = "pg_internal.init";
    private static final Set<String> EXCLUDED_DIRECTORY_CONTENTS = Set.of(
            "pg_stat_tmp", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans");
    private static final Set<String> EXCLUDED_FILES = Set.of(
            "postgresql.auto.conf.tmp", "current_logfiles.tmp", "backup_label", "tablespace_map",
            "backup_manifest", "postmaster.pid", "postmaster.opts");
    /**
     * Left out by pgbk beyond PostgreSQL's own list (see the top of this file). Public because a
     * stream-mode backup, which gets PostgreSQL's selection from pg_basebackup, removes these too.
     */
    public static final Set<String> EXCLUDED_TOP_LEVEL_FILES = Set.of(
            "current_logfiles", "standby.signal", "recovery.signal");
    /** catalog_version_no follows the 8-byte system identifier and the 4-byte pg_control version. */
    private static final int CATALOG_VERSION_OFFSET = 12;

    private final Path dataDirectory;

    public PgdataScanner(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
    }

    /** Walks the data directory and its tablespaces; safe while PostgreSQL runs. */
    public PgdataScan scan() {
        Path root = realPath(dataDirectory);
        String majorVersion = readMajorVersion(root);
        String versionDirectory = "PG_" + majorVersion + "_" + readCatalogVersion(root);
        Walk walk = new Walk(root, versionDirectory, tablespacesInside(root));
        walk.directory(root, "");
        PosixFileAttributes control = lstat(root.resolve(CONTROL_FILE))
                .orElseThrow(() -> new PgbkException(root + " lost " + CONTROL_FILE + " during the backup"));
        walk.add(CONTROL_FILE, EntryKind.FILE, control, root.resolve(CONTROL_FILE), null);
        return new PgdataScan(root, majorVersion, versionDirectory, walk.tablespaces, walk.entries);
    }

    /** One traversal: the entries found so far and what it must know of tablespaces. */
    private static final class Walk {
        private final Path root;
        private final String versionDirectory;
        private final Set<String> tablespacesInside;
        private final List<Tablespace> tablespaces = new ArrayList<>();
        private final List<PgdataEntry> entries = new ArrayList<>();

        Walk(Path root, String versionDirectory, Set<String> tablespacesInside) {
            this.root = root;
            this.versionDirectory = versionDirectory;
            this.tablespacesInside = tablespacesInside;
        }

        void directory(Path directory, String relative) {
            List<String> names = list(directory);
            Set<String> present = new HashSet<>(names);
            boolean databaseDirectory = RelationFile.isDatabaseDirectory(relative);
            for (String name : names) {
                String path = relative.isEmpty() ? name : relative + "/" + name;
                if (isExcluded(name, relative.isEmpty())
                        || databaseDirectory && (RelationFile.isTemporaryRelation(name) || isUnloggedData(path, present))
                        || path.equals(CONTROL_FILE)) {
                    continue;
                }
                Path file = directory.resolve(name);
                lstat(file).ifPresent(attributes -> entry(path, name, relative, file, attributes));
            }
        }

        private void entry(String path, String name, String parent, Path file, PosixFileAttributes attributes) {
            if (path.equals(WAL_DIRECTORY)) {
                PosixFileAttributes directory = followLink(file, attributes);
                add(path, EntryKind.DIRECTORY, directory, file, null);
                add(path + "/archive_status", EntryKind.DIRECTORY, directory, file.resolve("archive_status"), null);
            } else if (EXCLUDED_DIRECTORY_CONTENTS.contains(name)
                    && (attributes.isDirectory() || attributes.isSymbolicLink())) {
                add(path, EntryKind.DIRECTORY, followLink(file, attributes), file, null);
            } else if (parent.equals(TABLESPACE_DIRECTORY) && attributes.isSymbolicLink()) {
                tablespace(path, name, file, attributes);
            } else if (attributes.isDirectory()) {
                add(path, EntryKind.DIRECTORY, attributes, file, null);
                if (!tablespacesInside.contains(path)) {
                    directory(file, path);
                }
            } else if (attributes.isRegularFile()) {
                add(path, EntryKind.FILE, attributes, file, null);
            } else {
                LOG.warn("skipping {}: only regular files, directories and tablespace links are backed up", file);
            }
        }

        private void tablespace(String path, String name, Path link, PosixFileAttributes attributes) {
            Optional<String> target = readLink(link);
            if (target.isEmpty()) {
                return;
            }
            if (!name.chars().allMatch(Character::isDigit)) {
                LOG.warn("skipping {}: a tablespace link's name must be its OID", link);
                return;
            }
            Path location = link.resolveSibling(target.get()).normalize();
            Path versioned = location.resolve(versionDirectory);
            Optional<PosixFileAttributes> versionedAttributes = lstat(versioned);
            if (versionedAttributes.isEmpty()) {
                return;
            }
            tablespaces.add(new Tablespace(Long.parseLong(name), location));
            add(path, EntryKind.SYMLINK, attributes, link, target.get());
            String versionedPath = path + "/" + versionDirectory;
            add(versionedPath, EntryKind.DIRECTORY, versionedAttributes.get(), versioned, null);
            directory(versioned, versionedPath);
        }

        void add(String path, EntryKind kind, PosixFileAttributes attributes, Path source, String linkTarget) {
            long size = kind == EntryKind.FILE ? attributes.size() : 0;
            entries.add(new PgdataEntry(path, kind, size, attributes.lastModifiedTime().toInstant(),
                    FileMode.of(attributes.permissions()), source, linkTarget));
        }

        /** A link kept as a directory describes the directory it points to, if that still exists. */
        private PosixFileAttributes followLink(Path file, PosixFileAttributes attributes) {
            if (!attributes.isSymbolicLink()) {
                return attributes;
            }
            try {
                return Files.readAttributes(file, PosixFileAttributes.class);
            } catch (NoSuchFileException e) {
                return attributes;
            } catch (IOException e) {
                throw failure(file, e);
            }
        }
    }

    private static boolean isExcluded(String name, boolean topLevel) {
        return name.startsWith(TEMPORARY_PREFIX)
                || name.startsWith(RELCACHE_INIT_PREFIX)
                || EXCLUDED_FILES.contains(name)
                || topLevel && EXCLUDED_TOP_LEVEL_FILES.contains(name);
    }

    /** A fork of an unlogged relation other than its init fork: recovery recreates it. */
    private static boolean isUnloggedData(String path, Set<String> namesInDirectory) {
        return RelationFile.parse(path)
                .filter(relation -> relation.fork() != Fork.INIT)
                .filter(relation -> namesInDirectory.contains(relation.initForkFileName()))
                .isPresent();
    }

    /** Tablespaces created inside the data directory, which the walk must not copy twice. */
    private static Set<String> tablespacesInside(Path root) {
        Set<String> inside = new HashSet<>();
        for (String name : list(root.resolve(TABLESPACE_DIRECTORY))) {
            Path link = root.resolve(TABLESPACE_DIRECTORY).resolve(name);
            try {
                Path location = link.toRealPath();
                if (!location.equals(link) && location.startsWith(root)) {
                    inside.add(root.relativize(location).toString().replace(link.getFileSystem().getSeparator(), "/"));
                }
            } catch (NoSuchFileException e) {
                // a dangling or vanished link holds nothing to copy twice
            } catch (IOException e) {
                throw failure(link, e);
            }
        }
        return inside;
    }

    private static String readMajorVersion(Path root) {
        Path file = root.resolve("PG_VERSION");
        try {
            return Files.readString(file).trim();
        } catch (NoSuchFileException e) {
            throw new PgbkException(root + " is not a PostgreSQL data directory: it has no PG_VERSION");
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    private static String readCatalogVersion(Path root) {
        Path file = root.resolve(CONTROL_FILE);
        byte[] header = new byte[CATALOG_VERSION_OFFSET + Integer.BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(header, 0, header.length) < header.length) {
                throw new PgbkException(file + " is too short to be a pg_control file");
            }
        } catch (NoSuchFileException e) {
            throw new PgbkException(root + " is not a PostgreSQL data directory: it has no " + CONTROL_FILE);
        } catch (IOException e) {
            throw failure(file, e);
        }
        return Integer.toUnsignedString(
                ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(CATALOG_VERSION_OFFSET));
    }

    private static Path realPath(Path directory) {
        try {
            return directory.toRealPath();
        } catch (NoSuchFileException e) {
            throw new PgbkException("data directory " + directory + " does not exist");
        } catch (IOException e) {
            throw failure(directory, e);
        }
    }

    /** Names in a directory, sorted; none when it vanished or is not a directory any more. */
    private static List<String> list(Path directory) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(path -> names.add(path.getFileName().toString()));
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw failure(directory, e);
        }
        names.sort(null);
        return names;
    }

    private static Optional<PosixFileAttributes> lstat(Path file) {
        try {
            return Optional.of(Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    private static Optional<String> readLink(Path link) {
        try {
            return Optional.of(Files.readSymbolicLink(link).toString());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure(link, e);
        }
    }

    private static PgbkException failure(Path file, IOException e) {
        String reason = e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
        return new PgbkException("cannot read " + file + ": " + reason, e);
    }
}
