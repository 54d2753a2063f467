/*
 * One thing a base backup copies from a data directory: a file with its content, a directory
 * (kept, even when its contents are left out, so restore recreates it with its permissions),
 * or a tablespace link.
 */
package io.pgbk.core.pgdata;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * @param path       relative to the data directory with '/' separators; files of a tablespace
 *                   appear under its link, pg_tblspc/<oid>/PG_<major>_<catversion>/...
 * @param kind       file, directory or tablespace link
 * @param size       bytes when scanned (0 for directories and links); a file may grow or shrink
 *                   while the backup runs, WAL replay makes up the difference
 * @param modified   last modification time
 * @param mode       permission bits
 * @param source     where to read it: inside the data directory, or inside a tablespace's location
 * @param linkTarget the link's target as stored in the link, for SYMLINK entries; null otherwise
 */
public record PgdataEntry(
        String path, EntryKind kind, long size, Instant modified, FileMode mode, Path source, String linkTarget) {

    /** What relation this file holds pages of, if it is a relation file. */
    public Optional<RelationFile> relation() {
        return kind == EntryKind.FILE ? RelationFile.parse(path) : Optional.empty();
    }
}
