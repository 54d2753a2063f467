/*
 * Where finished WAL files go from the spool: the repository. It receives complete segments,
 * the .partial last segment of a timeline that ended, and .history files, always in WAL order
 * and a timeline's history before any of its WAL, and must store each durably before it
 * returns: the spool deletes the file afterwards and counts its WAL as safe, which lets the
 * server release it. A failure (thrown) is retried with backoff; the file stays in the spool.
 *
 * newestStoredSegment() tells a restarted receiver where the repository stands, so that a spool
 * that was lost or emptied resumes after what is already stored rather than from scratch.
 */
package io.pgbk.receiver.spool;

import io.pgbk.core.wal.WalSegmentName;

import java.nio.file.Path;
import java.util.Optional;

public interface CompletedWalConsumer {

    /** Stores the file under its own name (e.g. 000000010000000000000003, 00000002.history). */
    void accept(Path walFile) throws Exception;

    /** The newest complete segment already stored, if any. */
    Optional<WalSegmentName> newestStoredSegment();
}
