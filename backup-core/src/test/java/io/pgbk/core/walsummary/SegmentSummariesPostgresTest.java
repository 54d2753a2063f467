package io.pgbk.core.walsummary;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.pgdata.Fork;
import io.pgbk.core.pgdata.PgdataEntry;
import io.pgbk.core.pgdata.PgdataScanner;
import io.pgbk.core.pgdata.RelationFile;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments summarised as they are archived, from WAL written by a real PostgreSQL 15 (1 MiB
 * segments): the scan of an incremental backup stands on the stored summaries where they exist
 * (it succeeds with those segments gone from the repository), and they name every block that
 * reading the segments names.
 */
class SegmentSummariesPostgresTest {
    private static final WalSegmentSize ONE_MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final String REDO = "SELECT redo_lsn::text FROM pg_control_checkpoint()";

    @TempDir
    Path temp;

    /**
     * A record that begins in a segment's last bytes has its block references in the next
     * segment: the summary reads the next segment's first pages, and believes them only when the
     * record ends there with a good CRC (PostgreSQL may be writing that page while it is read).
     */
    @Test
    void aLastRecordWhoseHeadersRunIntoTheNextSegmentIsReadFromItsFirstPagesWithItsCrc() throws IOException {
        try (PostgresCluster pg = PostgresCluster.startPrimary("segment-summary-boundary",
                PostgresOptions.defaults().withWalSegmentSizeMb(1).withSetting("wal_keep_size", "512MB"))) {
            pg.execute("CREATE TABLE t (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = off)");
            Path pgWal = pg.dataDirectory().resolve("pg_wal");
            long first = Lsn.parse(pg.queryForString("SELECT pg_current_wal_lsn()::text")).segmentNumber(ONE_MIB);
            Optional<WalSegmentName> cut = Optional.empty();
            // about one segment in five ends with a record that begins in its last bytes
            for (long segment = first, row = 0; cut.isEmpty() && segment < first + 200; segment++) {
                while (Lsn.parse(pg.queryForString("SELECT pg_current_wal_lsn()::text")).segmentNumber(ONE_MIB)
                        <= segment + 1) {
                    pg.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(" + (row + 1) + ", "
                            + (row + 500) + ") g");
                    row += 500;
                }
                WalSegmentName name = WalSegmentName.ofSegmentNumber(TimelineId.FIRST, segment, ONE_MIB);
                // one that ends on the next segment's first page, where a changed byte is easy to place
                if (SegmentSummaries.summarise(name, Files.readAllBytes(pgWal.resolve(name.toString())), ONE_MIB,
                        Optional::empty).isEmpty() && continued(nextStart(pgWal, name)) < 8192 - 40) {
                    cut = Optional.of(name);
                }
            }
            WalSegmentName name = cut.orElseThrow(() -> new AssertionError("no segment of 200 ended with a "
                    + "record whose headers run into the next"));
            byte[] segment = Files.readAllBytes(pgWal.resolve(name.toString()));
            byte[] nextStart = nextStart(pgWal, name);

            assertThat(SegmentSummaries.summarise(name, segment, ONE_MIB, () -> Optional.of(nextStart)))
                    .as("with the next segment's first pages").isPresent();
            // the record's last byte, past its headers: only its CRC can tell it changed
            int continued = continued(nextStart);
            byte[] damaged = nextStart.clone();
            damaged[40 + continued - 1] ^= 0x40;
            assertThat(SegmentSummaries.summarise(name, segment, ONE_MIB, () -> Optional.of(damaged)))
                    .as("with the record's last byte changed").isEmpty();
        }
    }

    private static byte[] nextStart(Path pgWal, WalSegmentName name) throws IOException {
        return Arrays.copyOf(Files.readAllBytes(pgWal.resolve(name.next(ONE_MIB).toString())), 8 * 8192);
    }

    /** xlp_rem_len of a segment's first page: the bytes of a record continued from the segment before. */
    private static int continued(byte[] segmentStart) {
        return ByteBuffer.wrap(segmentStart, 16, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Test
    void theStoredSummariesStandForTheirSegmentsAndNameEveryBlockTheSegmentsDo() throws IOException {
        try (PostgresCluster pg = PostgresCluster.startPrimary("segment-summaries",
                PostgresOptions.defaults().withWalSegmentSizeMb(1).withSetting("wal_keep_size", "256MB"));
             LocalObjectStore summarised = new LocalObjectStore(temp.resolve("summarised"));
             LocalObjectStore plain = new LocalObjectStore(temp.resolve("plain"))) {
            pg.execute("CREATE TABLE t (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = off);"
                    + " INSERT INTO t SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g;"
                    + " CREATE TABLE dropped (id int);");
            pg.execute("VACUUM t");
            pg.execute("CHECKPOINT");
            Lsn from = Lsn.parse(pg.queryForString(REDO));
            pg.execute("UPDATE t SET payload = 'changed' WHERE id % 500 = 0;"
                    + " INSERT INTO t SELECT g, repeat('y', 100) FROM generate_series(20001, 50000) g;"
                    + " DROP TABLE dropped; CREATE TABLE created AS SELECT g FROM generate_series(1, 5000) g;");
            pg.execute("CHECKPOINT");
            Lsn end = Lsn.parse(pg.queryForString(REDO));
            pg.execute("SELECT pg_switch_wal()");
            long first = from.segmentNumber(ONE_MIB);
            long last = end.segmentNumber(ONE_MIB);
            assertThat(last - first).as("segments between the two checkpoints").isGreaterThan(5);

            Path pgWal = pg.dataDirectory().resolve("pg_wal");
            Repository withSummaries = Repository.open(summarised, "main");
            Repository without = Repository.open(plain, "main");
            WalArchive archive = new WalArchive(withSummaries, Compression.parse("zstd:1"));
            WalArchive plainArchive = new WalArchive(without, Compression.parse("zstd:1"));
            List<WalSegmentName> names = new ArrayList<>();
            for (long segment = first; segment <= last; segment++) {
                WalSegmentName name = WalSegmentName.ofSegmentNumber(TimelineId.FIRST, segment, ONE_MIB);
                names.add(name);
                archive.push(pgWal.resolve(name.toString()));
                plainArchive.push(pgWal.resolve(name.toString()));
            }
            without.list(Repository.WAL_SUMMARIES).forEach(object -> without.delete(object.key()));

            // Segments that the scan must not read leave the repository, so that it can only stand
            // on their summaries: those with a summary, but not from's own segment (read for its
            // records from `from` on) nor the successor of a segment that is read (its first pages
            // hold the end of that segment's last record).
            int summarisedSegments = 0;
            int removed = 0;
            boolean previousRead = true;
            for (WalSegmentName name : names) {
                boolean summary = withSummaries.stat(Repository.walSummaryKey(name)).isPresent();
                summarisedSegments += summary ? 1 : 0;
                if (summary && !previousRead) {
                    withSummaries.delete(Repository.walKey(WalFileName.parse(name.toString())));
                    removed++;
                }
                previousRead = !summary || name.equals(names.get(0));
            }
            assertThat(summarisedSegments).as("segments summarised when archived, of %d", names.size())
                    .isEqualTo(names.size());
            assertThat(removed).as("segments only their summaries stand for").isGreaterThan(2);

            ChangedBlocks fromSummaries = new WalSummaryScan(withSummaries, Optional.empty(), ONE_MIB, 2)
                    .summarise(TimelineId.FIRST, from, end).orElseThrow();
            ChangedBlocks fromSegments = new WalSummaryScan(without, Optional.empty(), ONE_MIB, 2)
                    .summarise(TimelineId.FIRST, from, end).orElseThrow();
            pg.stop();

            int compared = 0;
            int withChangedBlocks = 0;
            for (PgdataEntry entry : new PgdataScanner(pg.dataDirectory()).scan().entries()) {
                Optional<RelationFile> relation = entry.relation().filter(file -> file.fork() == Fork.MAIN);
                if (relation.isEmpty()) {
                    continue;
                }
                long size = entry.size();
                Optional<int[]> wanted = fromSegments.candidates(relation.get(), size, size);
                Optional<int[]> named = fromSummaries.candidates(relation.get(), size, size);
                if (wanted.isEmpty()) {
                    assertThat(named).as("%s: every block", entry.path()).isEmpty();
                } else {
                    assertThat(named).as(entry.path()).hasValueSatisfying(blocks ->
                            assertThat(blocks).contains(wanted.get()));
                    withChangedBlocks += wanted.get().length > 0 ? 1 : 0;
                }
                compared++;
            }
            assertThat(compared).as("relation files compared").isGreaterThan(100);
            assertThat(withChangedBlocks).as("relation files with some blocks changed").isPositive();
        }
    }
}
