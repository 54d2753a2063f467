/*
 * A tablespace as the backup found it: restore recreates pg_tblspc/<oid> pointing at this
 * location, or at a new one it is told to use.
 */
package io.pgbk.core.manifest;

public record TablespaceInfo(long oid, String location) {
}
