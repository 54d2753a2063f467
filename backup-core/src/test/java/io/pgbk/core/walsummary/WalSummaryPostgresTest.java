package io.pgbk.core.walsummary;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.page.PageHeader;
import io.pgbk.core.page.PageMap;
import io.pgbk.core.pgdata.Fork;
import io.pgbk.core.pgdata.PgdataEntry;
import io.pgbk.core.pgdata.PgdataScanner;
import io.pgbk.core.pgdata.RelationFile;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * WAL summaries of WAL written by a real PostgreSQL 15 (1 MiB segments, so records cross pages
 * and segments): every page whose LSN falls in the summarised range is among the candidates, and
 * the candidates are few where few pages changed.
 */
class WalSummaryPostgresTest {
    private static final WalSegmentSize ONE_MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final String REDO = "SELECT redo_lsn::text FROM pg_control_checkpoint()";

    @TempDir
    Path temp;

    /** With wal_compression, page images have a compression header, and a hole length after it. */
    @ParameterizedTest
    @ValueSource(strings = {"off", "pglz"})
    void everyPageChangedInTheRangeIsACandidateAndUnchangedPagesAreNot(String walCompression) throws IOException {
        try (PostgresCluster pg = PostgresCluster.startPrimary("wal-summary",
                PostgresOptions.defaults().withWalSegmentSizeMb(1).withSetting("wal_keep_size", "256MB")
                        .withSetting("wal_compression", walCompression));
             LocalObjectStore store = new LocalObjectStore(temp.resolve("repo"))) {
            pg.execute("CREATE TABLE t (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = off);"
                    + " INSERT INTO t SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g;"
                    + " CREATE TABLE shrinking (id int, payload text) WITH (autovacuum_enabled = off);"
                    + " INSERT INTO shrinking SELECT g, repeat('x', 500) FROM generate_series(1, 2000) g;"
                    + " CREATE TABLE replaced (id int) WITH (autovacuum_enabled = off);"
                    + " INSERT INTO replaced SELECT generate_series(1, 5000);");
            pg.execute("VACUUM t, shrinking, replaced");
            pg.execute("CHECKPOINT");
            Lsn from = Lsn.parse(pg.queryForString(REDO));
            long tBlocks = pg.queryForLong("SELECT pg_relation_size('t') / 8192");
            long shrinkingSize = pg.queryForLong("SELECT pg_relation_size('shrinking')");
            String replacedBefore = pg.queryForString("SELECT pg_relation_filepath('replaced')");

            pg.execute("UPDATE t SET payload = 'changed' WHERE id % 1000 = 0;"
                    + " DELETE FROM shrinking WHERE id > 1000;");
            pg.execute("VACUUM shrinking");
            pg.execute("TRUNCATE replaced; INSERT INTO replaced SELECT generate_series(1, 100);"
                    + " CREATE TABLE created AS SELECT g FROM generate_series(1, 5000) g;"
                    + " INSERT INTO t SELECT g, repeat('y', 100) FROM generate_series(20001, 60000) g;");
            pg.execute("CHECKPOINT");
            Lsn end = Lsn.parse(pg.queryForString(REDO));
            pg.execute("UPDATE t SET payload = 'after the range' WHERE id = 1");
            pg.execute("SELECT pg_switch_wal()");
            assertThat(end.segmentNumber(ONE_MIB) - from.segmentNumber(ONE_MIB)).as("segments summarised")
                    .isGreaterThan(3);

            // the older half of the range only in the repository (recycled from pg_wal, as by a
            // restartpoint), the newer half only in pg_wal (not archived yet): complete segments,
            // and the end's segment, whose successor is not there to prove it complete
            Path pgWal = pg.dataDirectory().resolve("pg_wal");
            Repository repository = Repository.open(store, "main");
            WalArchive archive = new WalArchive(repository, Compression.parse("zstd:1"));
            long first = from.segmentNumber(ONE_MIB);
            long last = end.segmentNumber(ONE_MIB);
            long middle = (first + last) / 2;
            for (long segment = first; segment <= middle; segment++) {
                archive.push(pgWal.resolve(segmentName(segment)));
            }
            Path newerHalf = copySegments(pgWal, middle + 1, last, segment -> { });
            ChangedBlocks summary = new WalSummaryScan(repository, Optional.of(newerHalf), ONE_MIB, 2)
                    .summarise(TimelineId.FIRST, from, end).orElseThrow();
            assertThat(new WalSummaryScan(repository, Optional.of(pgWal), ONE_MIB, 2)
                    .summarise(TimelineId.FIRST, from, CompletableFuture.completedFuture(end),
                            CompletableFuture.completedFuture(3L * ONE_MIB.bytes())))
                    .as("more WAL than the caller will read").isEmpty();

            // a page whose address is not its own: a segment recycled while it was read
            Path damagedOlder = copySegments(pgWal, first, last + 1, segment -> damageIf(segment, middle - 1));
            RelationFile tFile = RelationFile.parse(pg.queryForString("SELECT pg_relation_filepath('t')")).orElseThrow();
            long tSize = tBlocks * PageHeader.PAGE_SIZE;
            assertThat(new WalSummaryScan(repository, Optional.of(damagedOlder), ONE_MIB, 2)
                    .summarise(TimelineId.FIRST, from, end).orElseThrow().candidates(tFile, tSize, tSize))
                    .as("the archived copy of a segment damaged in pg_wal").hasValueSatisfying(blocks ->
                            assertThat(blocks).containsExactly(summary.candidates(tFile, tSize, tSize).orElseThrow()));
            Path damagedNewer = copySegments(pgWal, first, last + 1, segment -> damageIf(segment, middle + 1));
            assertThat(new WalSummaryScan(repository, Optional.of(damagedNewer), ONE_MIB, 2)
                    .summarise(TimelineId.FIRST, from, end))
                    .as("a segment damaged in pg_wal and not archived").isEmpty();
            String shrinkingPath = pg.queryForString("SELECT pg_relation_filepath('shrinking')");
            String createdPath = pg.queryForString("SELECT pg_relation_filepath('created')");
            String replacedPath = pg.queryForString("SELECT pg_relation_filepath('replaced')");
            pg.stop();

            int filesChecked = 0;
            for (PgdataEntry entry : new PgdataScanner(pg.dataDirectory()).scan().entries()) {
                Optional<RelationFile> relation = entry.relation().filter(file -> file.fork() == Fork.MAIN);
                if (relation.isEmpty()) {
                    continue;
                }
                byte[] file = Files.readAllBytes(entry.source());
                Optional<int[]> candidates = summary.candidates(relation.get(), file.length, file.length);
                if (candidates.isEmpty()) {
                    continue;
                }
                Set<Integer> chosen = Arrays.stream(candidates.get()).boxed().collect(Collectors.toSet());
                for (int block = 0; block < file.length / PageHeader.PAGE_SIZE; block++) {
                    long lsn = PageHeader.read(file, block * PageHeader.PAGE_SIZE).lsn().value();
                    if (Long.compareUnsigned(lsn, from.value()) >= 0 && Long.compareUnsigned(lsn, end.value()) < 0) {
                        assertThat(chosen).as("%s block %d, LSN %s", entry.path(), block, new Lsn(lsn)).contains(block);
                    }
                }
                filesChecked++;
            }
            assertThat(filesChecked).as("relation files with a summary").isGreaterThan(100);

            int[] tCandidates = summary.candidates(tFile, tSize, tSize).orElseThrow();
            assertThat(tCandidates.length).as("pages of t's first %d a 5%% update touched", tBlocks)
                    .isPositive().isLessThan((int) tBlocks / 10);

            RelationFile shrinking = RelationFile.parse(shrinkingPath).orElseThrow();
            long shrunkBlocks = Files.size(pg.dataDirectory().resolve(shrinkingPath)) / 8192;
            int[] shrinkingCandidates = summary.candidates(shrinking, shrinkingSize, shrinkingSize).orElseThrow();
            assertThat(shrinkingCandidates).as("every block from where VACUUM truncated it")
                    .contains((int) shrunkBlocks, (int) (shrinkingSize / 8192) - 1);

            assertThat(PageMap.blockCount(shrinkingSize)).isGreaterThan(shrunkBlocks);

            assertThat(summary.candidates(RelationFile.parse(createdPath).orElseThrow(), 8192, 8192))
                    .as("a new relation: every block").isEmpty();
            assertThat(replacedPath).isNotEqualTo(replacedBefore);
            assertThat(summary.candidates(RelationFile.parse(replacedPath).orElseThrow(), 8192, 8192))
                    .as("TRUNCATE's new relfilenode: every block").isEmpty();
        }
    }

    /** A directory holding copies of pg_wal's segments first to last, each passed to change as it is written. */
    private Path copySegments(Path pgWal, long first, long last, SegmentChange change) throws IOException {
        Path copy = Files.createTempDirectory(temp, "pg_wal");
        for (long segment = first; segment <= last; segment++) {
            byte[] bytes = Files.readAllBytes(pgWal.resolve(segmentName(segment)));
            change.apply(new Segment(segment, bytes));
            Files.write(copy.resolve(segmentName(segment)), bytes);
        }
        return copy;
    }

    private record Segment(long number, byte[] bytes) {
    }

    private interface SegmentChange {
        void apply(Segment segment);
    }

    /** Makes the fourth page of the segment numbered damaged claim another address. */
    private static void damageIf(Segment segment, long damaged) {
        if (segment.number() == damaged) {
            segment.bytes()[3 * 8192 + 8 + 2] ^= 0x01;
        }
    }

    private static String segmentName(long segment) {
        return WalSegmentName.ofSegmentNumber(TimelineId.FIRST, segment, ONE_MIB).toString();
    }

    @Test
    void withoutTheWalThereIsNoSummary() throws IOException {
        Files.createDirectories(temp.resolve("pg_wal"));
        try (LocalObjectStore store = new LocalObjectStore(temp.resolve("repo"))) {
            Repository repository = Repository.open(store, "main");
            Optional<ChangedBlocks> summary = new WalSummaryScan(repository, Optional.of(temp.resolve("pg_wal")),
                    ONE_MIB, 2).summarise(TimelineId.FIRST, Lsn.parse("0/3000028"), Lsn.parse("0/5000028"));
            assertThat(summary).isEmpty();
        }
    }
}
