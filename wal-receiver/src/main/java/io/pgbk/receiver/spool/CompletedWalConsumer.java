/*
 * Where finished WAL files go from the spool: the repository. It receives complete segments,
 * the .partial last segment of a timeline that ended, and .history files, always in WAL order
 * and a timeline's history before any of its WAL, and must store each durably before it
 * returns: the spool deletes the file afterwards and counts its WAL as safe, which lets the
 * server release it. A failure (thrown) is retried with backoff; the file stays in the spool.
 *
 * newestStoredSegment() tells a restarted receiver where the repository stands, so that a spool
 * that was lost or emptied resumes after what is already stored rather than from scratch.
 *
 * claim() runs at every connection, before anything of that server is stored: a brand-new
 * repository is claimed from the server's identity (a timeline's .history file, which comes
 * first and carries no header, proves nothing), and a repository of another cluster is refused.
 * recordGap() keeps WAL that can no longer be had on record for restore and retention.
 */
package io.pgbk.receiver.spool;

import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalSegmentName;

import java.nio.file.Path;
import java.util.Optional;

public interface CompletedWalConsumer {

    /** Stores the file under its own name (e.g. 000000010000000000000003, 00000002.history). */
    void accept(Path walFile) throws Exception;

    /** The newest complete segment already stored, if any. */
    Optional<WalSegmentName> newestStoredSegment();

    /** Makes sure the repository belongs to cluster (claiming it when new); throws when it belongs to another. */
    void claim(ClusterInfo cluster, String server);

    /** Stores the record of a gap durably. */
    void recordGap(WalGap gap);
}
