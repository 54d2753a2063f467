/*
 * The data directory a restore writes into, and the checks made before anything in it changes:
 * no PostgreSQL may be running on it (postmaster.pid naming a live process), it must be empty or
 * missing unless the user allowed overwriting (--delta keeps matching files, --force wipes), and
 * a delta restore only onto a directory of the same cluster (pg_control's system identifier),
 * since keeping "matching" files of another cluster would mix two databases.
 */
package io.pgbk.core.restore;

import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

public record TargetDirectory(Path path) {

    public static final String POSTMASTER_PID = "postmaster.pid";
    private static final String PG_CONTROL = "global/pg_control";

    public TargetDirectory {
        path = path.toAbsolutePath().normalize();
    }

    public boolean exists() {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    public boolean isEmpty() {
        if (!exists()) {
            return true;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new PgbkException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Refuses a path that is not a directory and a directory a live PostgreSQL runs on. */
    public void requireNoServer() {
        if (exists() && !Files.isDirectory(path)) {
            throw new PgbkException(path + " exists and is not a directory");
        }
        Optional<Long> pid = postmasterPid();
        if (pid.isPresent() && ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new PgbkException("PostgreSQL is running on " + path + " (postmaster.pid names live process "
                    + pid.get() + "): stop it before restoring");
        }
    }

    /** Refuses a non-empty directory unless overwriting was allowed. */
    public void requireEmptyUnless(boolean overwriteAllowed) {
        if (!overwriteAllowed && !isEmpty()) {
            throw new PgbkException(path + " is not empty: restore into an empty directory, or pass --delta to "
                    + "reuse matching files, or --force to replace its content");
        }
    }

    /** For a delta restore: the directory's cluster must be the backup's, when it has a pg_control. */
    public void requireSameCluster(SystemIdentifier backupSystem) {
        Optional<SystemIdentifier> found = systemIdentifier();
        if (found.isPresent() && !found.get().equals(backupSystem)) {
            throw new PgbkException("refusing a delta restore: " + path + " belongs to system " + found.get()
                    + ", the backup to system " + backupSystem);
        }
    }

    /** pg_control's first field, the system identifier, in the machine's byte order (x86 and ARM: little-endian). */
    Optional<SystemIdentifier> systemIdentifier() {
        try (InputStream in = Files.newInputStream(path.resolve(PG_CONTROL))) {
            byte[] first = in.readNBytes(Long.BYTES);
            if (first.length < Long.BYTES) {
                return Optional.empty();
            }
            return Optional.of(new SystemIdentifier(ByteBuffer.wrap(first).order(ByteOrder.nativeOrder()).getLong()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new PgbkException("cannot read " + path.resolve(PG_CONTROL) + ": " + e.getMessage(), e);
        }
    }

    private Optional<Long> postmasterPid() {
        try {
            List<String> lines = Files.readAllLines(path.resolve(POSTMASTER_PID), StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(0).strip().matches("[0-9]{1,10}")) {
                return Optional.empty();
            }
            return Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new PgbkException("cannot read " + path.resolve(POSTMASTER_PID) + ": " + e.getMessage(), e);
        }
    }
}
