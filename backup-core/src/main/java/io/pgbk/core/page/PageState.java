/*
 * What checksum verification concluded about one page. Only CORRUPT is a finding; the other
 * states say why a page passed.
 */
package io.pgbk.core.page;

public enum PageState {
    /** The stored checksum matches the page. */
    VALID,
    /** Never initialised and all zero: PostgreSQL stores no checksum in such a page. */
    NEW,
    /**
     * Its LSN is at or after the backup's start: PostgreSQL may have been writing it while we
     * read it (a torn read), and WAL replay from the start LSN rewrites it anyway.
     */
    CHANGED_DURING_BACKUP,
    /** The checksum does not match, or a page marked new holds non-zero bytes. */
    CORRUPT
}
