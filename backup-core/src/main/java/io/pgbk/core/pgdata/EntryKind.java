/* What a data directory entry is: a backup stores files with content, directories and
 * tablespace links as metadata only. */
package io.pgbk.core.pgdata;

public enum EntryKind {
    FILE,
    DIRECTORY,
    SYMLINK
}
