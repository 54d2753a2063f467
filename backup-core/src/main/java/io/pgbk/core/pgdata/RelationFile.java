/*
 * A file that holds a relation's pages, recognised by its path in the data directory:
 *   global/<relfilenode>[_<fork>][.<segment>]                      shared catalogs
 *   base/<database oid>/<relfilenode>[_<fork>][.<segment>]          default tablespace
 *   pg_tblspc/<tablespace oid>/PG_<major>_<catversion>/<database oid>/<relfilenode>...
 * Only these files are made of 8 KiB pages, so only they get page checksums verified and
 * block-incremental treatment; pg_filenode.map, PG_VERSION, pg_internal.init and pg_control
 * sit in the same directories and are not pages.
 *
 * A relation is split into 1 GiB segment files (RELSEG_SIZE, 131072 pages); block numbers used
 * by checksums count from the relation's first segment.
 */
package io.pgbk.core.pgdata;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * @param tablespaceOid 1663 for base/, 1664 for global/, else the pg_tblspc link's name
 * @param databaseOid   0 for the shared catalogs in global/
 * @param relfilenode   the file's relation file number
 * @param fork          which fork the file holds
 * @param segment       0 for the first 1 GiB, then 1, 2, ... from the ".N" suffix
 */
public record RelationFile(long tablespaceOid, long databaseOid, long relfilenode, Fork fork, int segment) {
    public static final long DEFAULT_TABLESPACE_OID = 1663;
    public static final long GLOBAL_TABLESPACE_OID = 1664;
    /** RELSEG_SIZE: pages per segment file with PostgreSQL's default build options. */
    public static final int BLOCKS_PER_SEGMENT = 131072;

    private static final String OID = "(\\d{1,10})";
    private static final String NAME = OID + "(?:_(fsm|vm|init))?(?:\\.(\\d{1,10}))?";
    private static final Pattern PATH = Pattern.compile(
            "(?:global|base/" + OID + "|pg_tblspc/" + OID + "/PG_[^/]+/" + OID + ")/" + NAME);
    private static final Pattern DATABASE_DIRECTORY = Pattern.compile("(?:base|pg_tblspc/\\d+/PG_[^/]+)/\\d+");
    private static final Pattern TEMPORARY_RELATION = Pattern.compile("t\\d+_\\d+(?:_(fsm|vm|init))?(?:\\.\\d+)?");

    /** The relation file at this path relative to the data directory ('/' separators), if it is one. */
    public static Optional<RelationFile> parse(String relativePath) {
        Matcher m = PATH.matcher(relativePath);
        if (!m.matches()) {
            return Optional.empty();
        }
        long tablespace;
        long database;
        if (m.group(1) != null) {
            tablespace = DEFAULT_TABLESPACE_OID;
            database = oid(m.group(1));
        } else if (m.group(2) != null) {
            tablespace = oid(m.group(2));
            database = oid(m.group(3));
        } else {
            tablespace = GLOBAL_TABLESPACE_OID;
            database = 0;
        }
        long relfilenode = oid(m.group(4));
        long segment = m.group(6) == null ? 0 : Long.parseLong(m.group(6));
        // PostgreSQL never writes ".0" and numbers beyond uint32 are not its files
        if (tablespace < 0 || database < 0 || relfilenode <= 0 || m.group(6) != null && segment == 0
                || segment > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        return Optional.of(new RelationFile(tablespace, database, relfilenode, Fork.ofName(m.group(5)), (int) segment));
    }

    /** True for a directory that holds one database's relations: base/<oid> or a tablespace's <oid>. */
    public static boolean isDatabaseDirectory(String relativePath) {
        return DATABASE_DIRECTORY.matcher(relativePath).matches();
    }

    /** Files of temporary tables ("t<backend>_<relfilenode>..."): dropped at server start, never backed up. */
    public static boolean isTemporaryRelation(String fileName) {
        return TEMPORARY_RELATION.matcher(fileName).matches();
    }

    /** The relation block number of this file's first page, which page checksums mix in. */
    public long firstBlockNumber() {
        return (long) segment * BLOCKS_PER_SEGMENT;
    }

    /** The name of the init fork's first file, whose presence marks the relation unlogged. */
    public String initForkFileName() {
        return relfilenode + Fork.INIT.suffix();
    }

    private static long oid(String digits) {
        long value = Long.parseLong(digits);
        return value > 0xFFFFFFFFL ? -1 : value;
    }
}
