/*
 * A tablespace: a directory outside the data directory, linked from pg_tblspc/<oid>. Restore
 * needs the OID and the location to recreate the link (or remap it) and to write
 * tablespace_map.
 */
package io.pgbk.core.pgdata;

import java.nio.file.Path;

/**
 * @param oid      the tablespace's OID, the link's name in pg_tblspc
 * @param location the directory the link points to, absolute
 */
public record Tablespace(long oid, Path location) {

    /** The link's path relative to the data directory. */
    public String linkPath() {
        return "pg_tblspc/" + oid;
    }
}
