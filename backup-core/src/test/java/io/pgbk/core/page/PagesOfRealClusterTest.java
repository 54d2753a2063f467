package io.pgbk.core.page;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.pgdata.PgdataEntry;
import io.pgbk.core.pgdata.PgdataScanner;
import io.pgbk.core.pgdata.RelationFile;
import io.pgbk.core.wal.Lsn;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pages written by a real PostgreSQL 15 with data checksums on. */
class PagesOfRealClusterTest {
    /** No page LSN reaches it, so every page's checksum is verified. */
    private static final Lsn NEVER = new Lsn(-1L);
    private static final String TABLE = "CREATE TABLE t (id int PRIMARY KEY, n int, payload text)"
            + " WITH (fillfactor = 50, autovacuum_enabled = off);"
            + " INSERT INTO t SELECT g, 0, repeat(md5(g::text), 3) FROM generate_series(1, 3000) g;";

    @TempDir
    Path temp;

    @Test
    void checksumsEqualThoseOfPostgresqlAndAFlippedByteIsReportedByBlock() throws IOException {
        try (PostgresCluster pg = PostgresCluster.startPrimary("page-checksums", PostgresOptions.defaults())) {
            pg.execute(TABLE + " CHECKPOINT;");
            String table = pg.queryForString("SELECT pg_relation_filepath('t')");
            pg.stop();

            byte[] file = Files.readAllBytes(pg.dataDirectory().resolve(table));
            long firstBlock = RelationFile.parse(table).orElseThrow().firstBlockNumber();
            assertThat(file.length / PageHeader.PAGE_SIZE).isGreaterThan(20);
            PageChecksum checksum = new PageChecksum();
            for (int block = 0; block < file.length / PageHeader.PAGE_SIZE; block++) {
                int offset = block * PageHeader.PAGE_SIZE;
                PageHeader header = PageHeader.read(file, offset);
                assertThat(header.isNew()).isFalse();
                assertThat(checksum.compute(file, offset, firstBlock + block)).as("block %d", block)
                        .isEqualTo(header.checksum());
            }

            long verified = 0;
            for (PgdataEntry entry : new PgdataScanner(pg.dataDirectory()).scan().entries()) {
                Optional<RelationFile> relation = entry.relation();
                if (relation.isPresent()) {
                    PageChecksumResult result = verify(entry.source(), entry.path(), relation.get().firstBlockNumber());
                    assertThat(result.corruptBlocks()).as(entry.path()).isEmpty();
                    verified += result.pagesVerified();
                }
            }
            assertThat(verified).as("pages of all relation files").isGreaterThan(500);

            Path damaged = temp.resolve("damaged");
            file[3 * PageHeader.PAGE_SIZE + 5000] ^= 0x01;
            file[17 * PageHeader.PAGE_SIZE + 30] ^= 0x40;
            Files.write(damaged, file);
            PageChecksumResult result = verify(damaged, table, firstBlock);
            assertThat(result.corruptBlocks()).containsExactly(3, 17);
            assertThat(result.pagesVerified()).isEqualTo(file.length / PageHeader.PAGE_SIZE - 2);
        }
    }

    @Test
    void onlyPagesTouchedAfterALsnAreNewerAndTheyRebuildTheFile() throws IOException, SQLException {
        try (PostgresCluster pg = PostgresCluster.startPrimary("changed-pages", PostgresOptions.defaults())) {
            // frozen and hinted, so that reading the table changes no page
            pg.execute(TABLE);
            pg.execute("VACUUM (FREEZE) t");
            pg.execute("CHECKPOINT");
            Path file = pg.dataDirectory().resolve(pg.queryForString("SELECT pg_relation_filepath('t')"));
            pg.stop();
            byte[] parentCopy = Files.readAllBytes(file);
            pg.start();

            Lsn before = Lsn.parse(pg.currentWalLsn());
            String rows = "id IN (7, 1500, 2950)";
            TreeSet<Integer> touched = new TreeSet<>(pagesOf(pg, rows));
            pg.execute("UPDATE t SET n = n + 1 WHERE " + rows);
            touched.addAll(pagesOf(pg, rows));
            pg.execute("CHECKPOINT");
            pg.stop();
            byte[] current = Files.readAllBytes(file);

            List<Integer> newer = new ArrayList<>();
            for (int block = 0; block < current.length / PageHeader.PAGE_SIZE; block++) {
                if (PageHeader.read(current, block * PageHeader.PAGE_SIZE).lsn().compareTo(before) >= 0) {
                    newer.add(block);
                }
            }
            assertThat(newer).containsExactlyElementsOf(touched).hasSizeBetween(3, 6);

            ChangedPageFilter filter = new ChangedPageFilter(new ByteArrayInputStream(current), before, parentCopy.length);
            byte[] stored = filter.readAllBytes();
            PageMap map = filter.pageMap();
            assertThat(map.blocks()).containsExactly(touched.stream().mapToInt(Integer::intValue).toArray());
            assertThat(map.fileSize()).isEqualTo(current.length);
            assertThat(stored).hasSize(touched.size() * PageHeader.PAGE_SIZE);

            try (InputStream rebuilt = new ChangedPageOverlay(new ByteArrayInputStream(parentCopy),
                    new ByteArrayInputStream(stored), PageMap.parse(map.toString()), file.toString())) {
                assertThat(rebuilt.readAllBytes()).isEqualTo(current);
            }
            assertThat(parentCopy).isNotEqualTo(current);
        }
    }

    private static PageChecksumResult verify(Path file, String path, long firstBlock) throws IOException {
        try (PageChecksumVerifier verifier = new PageChecksumVerifier(Files.newInputStream(file), path, firstBlock, NEVER)) {
            verifier.transferTo(OutputStream.nullOutputStream());
            return verifier.result();
        }
    }

    /** Heap pages holding the current versions of the rows. */
    private static List<Integer> pagesOf(PostgresCluster pg, String rows) throws SQLException {
        List<Integer> pages = new ArrayList<>();
        try (Connection connection = pg.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT (ctid::text::point)[0]::int FROM t WHERE " + rows)) {
            while (result.next()) {
                pages.add(result.getInt(1));
            }
        }
        return pages;
    }
}
