/*
 * One entry of a backup: a file with its content, a directory, or a tablespace link, with what
 * restore needs to give it back exactly (mode, time) and to prove it did (the CRC32C of the bytes
 * stored, FileData, and the SHA-256 of a content the backup read whole).
 *
 * How the content is found:
 *  - data without pageMap: the whole content is the tar entry data points at;
 *  - data with pageMap (relation files of an incremental backup): the entry holds only the pages
 *    the map lists; every other page, up to the map's file size, is the file of the same path in
 *    the parent backup (itself resolved the same way, through the chain), or zeros where the
 *    parent had no such file;
 *  - no data: a directory or a link, metadata only.
 */
package io.pgbk.core.manifest;

import io.pgbk.core.page.PageMap;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import java.time.Instant;
import java.util.List;

/**
 * @param path          relative to the data directory, '/' separators; tablespace files under pg_tblspc/<oid>/
 * @param kind          FILE, DIRECTORY or SYMLINK
 * @param mode          permission bits
 * @param size          the file's size as stored (bytes copied); 0 for directories and links
 * @param modified      modification time when scanned
 * @param sha256        hex SHA-256 of the whole content as read; null for directories, links and
 *                      (from format 3) entries with a page map, whose content this backup did not read whole
 * @param linkTarget    a link's target (tablespace location); null otherwise
 * @param data          where the stored bytes are; null for directories and links
 * @param pageMap       for an incremental relation file: the pages data holds and the file's size; else null
 * @param corruptBlocks blocks (within this file) whose page checksum failed twice; empty normally
 */
public record ManifestFile(String path, EntryKind kind, FileMode mode, long size, Instant modified, String sha256,
        String linkTarget, FileData data, PageMap pageMap, List<Integer> corruptBlocks) {

    public ManifestFile {
        corruptBlocks = corruptBlocks == null ? List.of() : List.copyOf(corruptBlocks);
    }

    /** True when restore must lay data over the parent backup's copy of this path. */
    public boolean isPartial() {
        return pageMap != null;
    }
}
