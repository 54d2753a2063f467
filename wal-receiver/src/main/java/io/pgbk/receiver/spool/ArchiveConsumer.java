/*
 * The spool's consumer in production: finished WAL files go into the repository through
 * WalArchive, which checks that each segment belongs to the repository's cluster and never
 * replaces an archived file with different content (the same content again is fine, which is
 * what a restarted receiver produces).
 *
 * Gaps are stored as sealed JSON objects under wal-gaps/, outside wal/ so that WAL listings see
 * only WAL files.
 *
 * The newest stored segment comes from a listing of the repository's WAL: once per receiver
 * start, so its cost (one request per thousand objects on S3) does not recur.
 */
package io.pgbk.receiver.spool;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.catalog.WalGapRecords;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.error.PgbkException;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

public final class ArchiveConsumer implements CompletedWalConsumer {

    private static final String WAL = "wal/";
    /** Segment number first (the name after the timeline), then the later timeline. */
    private static final Comparator<WalSegmentName> PROGRESS = Comparator
            .comparing((WalSegmentName s) -> s.toString().substring(8))
            .thenComparing(WalSegmentName::timeline);

    private final WalArchive archive;
    private final Repository repository;

    public ArchiveConsumer(WalArchive archive, Repository repository) {
        this.archive = archive;
        this.repository = repository;
    }

    @Override
    public void accept(Path walFile) {
        archive.push(walFile);
    }

    @Override
    public void claim(ClusterInfo cluster, String server) {
        repository.ensureCluster(cluster, "the WAL of " + server);
    }

    @Override
    public void recordGap(WalGap gap) {
        new WalGapRecords(repository).write(gap);
    }

    /** The gaps recorded in the repository, oldest first. */
    public List<WalGap> recordedGaps() {
        return new WalGapRecords(repository).list();
    }

    @Override
    public Optional<WalSegmentName> newestStoredSegment() {
        return repository.list(WAL).stream()
                .map(info -> info.key().substring(info.key().lastIndexOf('/') + 1))
                .flatMap(name -> segment(name).stream())
                .max(PROGRESS);
    }

    private static Optional<WalSegmentName> segment(String name) {
        try {
            WalFileName file = WalFileName.parse(name);
            return file.kind() == WalFileName.Kind.SEGMENT ? file.segment() : Optional.empty();
        } catch (PgbkException notWal) {
            return Optional.empty();
        }
    }
}
