/*
 * What a restore may do to a data directory that is not empty: nothing (the default: refuse),
 * keep the files that already match the backup (delta, how a former node is rebuilt quickly),
 * or replace everything (force).
 */
package io.pgbk.core.restore;

public enum RestoreMode {
    EMPTY_ONLY, DELTA, FORCE
}
