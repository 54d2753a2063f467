/*
 * What a scan of a data directory found: the entries a base backup copies, in the order to copy
 * them (global/pg_control last), and the tablespaces they came from.
 */
package io.pgbk.core.pgdata;

import java.nio.file.Path;
import java.util.List;

/**
 * @param dataDirectory              the data directory, its real path
 * @param majorVersion               from PG_VERSION, e.g. "15"
 * @param tablespaceVersionDirectory the per-version directory inside each tablespace, e.g. "PG_15_202209061"
 * @param tablespaces                tablespaces linked from pg_tblspc, by OID
 * @param entries                    in copy order
 */
public record PgdataScan(
        Path dataDirectory,
        String majorVersion,
        String tablespaceVersionDirectory,
        List<Tablespace> tablespaces,
        List<PgdataEntry> entries) {

    public PgdataScan {
        tablespaces = List.copyOf(tablespaces);
        entries = List.copyOf(entries);
    }
}
