/*
 * Summaries of archived WAL segments, one object per segment beside the WAL (Repository
 * .walSummaryKey): the blocks referenced by the records that begin in the segment, built as the
 * segment is archived, from the very bytes stored. An incremental backup merges those of the
 * segments since its parent instead of reading the segments (WalSummaryScan): decompressing
 * and walking 16 MiB per segment was most of an incremental backup's summary, which the copy
 * waits for. PostgreSQL 17's walsummarizer keeps the same kind of record in pg_wal/summaries.
 *
 * The last record of a segment often runs into the next; its block references lie at its
 * start, in this segment, unless it begins in the segment's last bytes. Then the next segment's
 * first pages are read from pg_wal, where PostgreSQL may be writing them, and the record counts
 * only if it ends in them with a good CRC (WalRecordReader).
 *
 * Complete segments that WalArchive stores, from archive_command or receive-wal, get one. A
 * summary is an optimisation, as the scan is: a segment without one (archived by an earlier
 * pgbk, or whose last record cannot be read whole) is read as before. One is stored only after
 * its segment, so none describes WAL the repository lacks; expire removes it with its segment,
 * and verify reads it through its seal.
 *
 * Object: "PGBKWSM1", the segment size (int), the records read (long), then ChangedBlocks.
 */
package io.pgbk.core.walsummary;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class SegmentSummaries {
    private static final Logger log = LoggerFactory.getLogger(SegmentSummaries.class);
    /** The largest segment summarised: a whole segment is held in memory. */
    public static final int MAX_SEGMENT_SIZE = 16 * 1024 * 1024;
    private static final byte[] MAGIC = "PGBKWSM1".getBytes(StandardCharsets.US_ASCII);

    private final Repository repository;

    public SegmentSummaries(Repository repository) {
        this.repository = repository;
    }

    /** The first bytes of the segment after this one, if they can be had (pg_wal's copy, maybe being written). */
    public interface NextSegmentStart {
        Optional<byte[]> read() throws IOException;
    }

    /**
     * Summarises an archived segment from its bytes and stores the summary, compressed like the
     * segment, unless one is there already. Never fails the archiving: a segment that cannot be
     * summarised is only logged. next is read only when the last record's headers run into the
     * next segment.
     */
    public void store(WalSegmentName name, byte[] segment, WalSegmentSize segmentSize, NextSegmentStart next,
            Compression compression) {
        Optional<SegmentSummary> summary = summarise(name, segment, segmentSize, Optional::empty)
                .or(() -> summarise(name, segment, segmentSize, next));
        if (summary.isEmpty()) {
            return;
        }
        String key = Repository.walSummaryKey(name);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(segmentSize.bytes());
            out.writeLong(summary.get().records());
            summary.get().blocks().writeTo(out);
            out.flush();
            repository.putIfAbsent(key, new SealingInputStream(new ByteArrayInputStream(bytes.toByteArray()),
                    compression));
        } catch (IOException | RuntimeException e) {
            log.info("WAL segment {} archived without its summary: {}", name, e.getMessage());
        }
    }

    /**
     * The blocks the records beginning in segment reference; empty (logged) where they cannot be
     * known from it and the next segment's first bytes.
     */
    static Optional<SegmentSummary> summarise(WalSegmentName name, byte[] segment, WalSegmentSize segmentSize,
            NextSegmentStart next) {
        if (segment.length != segmentSize.bytes() || segment.length > MAX_SEGMENT_SIZE) {
            return Optional.empty();
        }
        int[] fed = {0};
        ChangedBlocks.Builder builder = new ChangedBlocks.Builder();
        long start = name.startLsn(segmentSize).value();
        try {
            long records = new WalRecordReader(() -> switch (fed[0]++) {
                case 0 -> segment;
                case 1 -> next.read().orElse(null);
                default -> null;
            }, builder, true).read(name.startLsn(segmentSize), () -> start + segment.length, segmentSize);
            return Optional.of(new SegmentSummary(builder.build(), records, false));
        } catch (IOException e) {
            log.debug("no summary of WAL segment {}: {}", name, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The stored summary of a segment of segmentSize; empty when there is none. An IOException
     * when one is there but damaged or of another segment size.
     */
    Optional<SegmentSummary> load(WalSegmentName name, WalSegmentSize segmentSize) throws IOException {
        String key = Repository.walSummaryKey(name);
        Optional<UnsealingInputStream> stored = repository.get(key);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes;
        try (UnsealingInputStream in = stored.get()) {
            // whole, so that the seal is checked before anything is believed
            bytes = in.readAllBytes();
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        int size = in.readInt();
        if (!Arrays.equals(magic, MAGIC) || size != segmentSize.bytes()) {
            throw new IOException(repository.objectName(key) + " is not a summary of a segment of " + segmentSize);
        }
        long records = in.readLong();
        ChangedBlocks blocks = ChangedBlocks.readFrom(in);
        if (in.available() > 0) {
            throw new IOException(repository.objectName(key) + " has " + in.available() + " bytes after its summary");
        }
        return Optional.of(new SegmentSummary(blocks, records, true));
    }
}
