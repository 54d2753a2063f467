package io.pgbk.core.walsummary;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.PushResult.Outcome;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.pgdata.RelationFile;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash while a record crossing into the next segment was only partly on disk: crash recovery
 * ends before that record and writes an XLOG_OVERWRITE_CONTRECORD record where its rest would
 * have begun, on a page flagged XLP_FIRST_IS_OVERWRITE_CONTRECORD (0x0008) instead of
 * XLP_FIRST_IS_CONTRECORD. That segment is archived like any other, and a WAL summary reads
 * past the abandoned record. Made as PostgreSQL's own test does (recovery/t/026): the segment
 * holding the record's rest is removed after an immediate shutdown.
 */
class OverwrittenContrecordPostgresTest {
    private static final WalSegmentSize ONE_MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final String REDO = "SELECT redo_lsn::text FROM pg_control_checkpoint()";
    private static final int XLP_FIRST_IS_OVERWRITE_CONTRECORD = 0x0008;
    /** Fills the current segment until less than two pages are left in it. */
    private static final String FILL_SEGMENT = """
            DO $$
            DECLARE
                remain int;
            BEGIN
                LOOP
                    INSERT INTO filler SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 10) g;
                    remain := 1048576 - (pg_current_wal_insert_lsn() - '0/0') % 1048576;
                    EXIT WHEN remain < 2 * 8192;
                END LOOP;
            END
            $$""";

    @TempDir
    Path temp;

    @Test
    void theSegmentAfterAnAbandonedRecordIsArchivedAndSummarised() throws IOException {
        try (PostgresCluster pg = PostgresCluster.startPrimary("overwrite-contrecord",
                PostgresOptions.defaults().withWalSegmentSizeMb(1).withSetting("wal_keep_size", "64MB")
                        .withSetting("autovacuum", "off"));
             LocalObjectStore store = new LocalObjectStore(temp.resolve("repo"))) {
            pg.execute("CREATE TABLE filler (id int, payload text)");
            pg.execute("CHECKPOINT");
            Lsn from = Lsn.parse(pg.queryForString(REDO));
            pg.execute(FILL_SEGMENT);
            String filled = pg.queryForString("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
            pg.execute("SELECT pg_logical_emit_message(true, 'pgbk', repeat('xyzxz', 123456))");
            String rest = pg.queryForString("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
            assertThat(rest).as("the message crosses into the next segment").isNotEqualTo(filled);
            String fillerPath = pg.queryForString("SELECT pg_relation_filepath('filler')");
            pg.crash();
            Path pgWal = pg.dataDirectory().resolve("pg_wal");
            Files.delete(pgWal.resolve(rest));
            pg.start();
            pg.execute("INSERT INTO filler VALUES (0, 'after the crash')");
            long afterCrashBlock = pg.queryForLong("SELECT (ctid::text::point)[0]::bigint FROM filler WHERE id = 0");
            pg.execute("CHECKPOINT");
            Lsn end = Lsn.parse(pg.queryForString(REDO));
            pg.execute("SELECT pg_switch_wal()");
            assertThat(firstPageFlags(pgWal.resolve(rest)) & XLP_FIRST_IS_OVERWRITE_CONTRECORD)
                    .as("recovery marked where the abandoned record's rest would have been").isNotZero();

            Repository repository = Repository.open(store, "main");
            WalArchive archive = new WalArchive(repository, Compression.parse("zstd:1"));
            assertThat(archive.push(pgWal.resolve(filled)).outcome()).isEqualTo(Outcome.STORED);
            assertThat(archive.push(pgWal.resolve(rest)).outcome()).isEqualTo(Outcome.STORED);
            Optional<ChangedBlocks> summary = new WalSummaryScan(repository, Optional.of(pgWal), ONE_MIB, 2)
                    .summarise(TimelineId.FIRST, from, end);

            assertThat(archive.fetch(rest, temp.resolve(rest))).isTrue();
            assertThat(temp.resolve(rest)).hasSameBinaryContentAs(pgWal.resolve(rest));
            assertThat(summary).as("a summary across the abandoned record").isPresent();
            long fillerSize = Files.size(pg.dataDirectory().resolve(fillerPath));
            assertThat(summary.get().candidates(RelationFile.parse(fillerPath).orElseThrow(), fillerSize, fillerSize))
                    .as("the blocks written before and after the crash").hasValueSatisfying(blocks ->
                            assertThat(blocks).contains(0, (int) afterCrashBlock));
        }
    }

    private static int firstPageFlags(Path segment) throws IOException {
        byte[] header = new byte[4];
        try (var in = Files.newInputStream(segment)) {
            assertThat(in.readNBytes(header, 0, header.length)).isEqualTo(header.length);
        }
        return Short.toUnsignedInt(ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getShort(2));
    }
}
