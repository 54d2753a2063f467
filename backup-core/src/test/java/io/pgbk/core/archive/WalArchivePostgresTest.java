package io.pgbk.core.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.PushResult.Outcome;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segments written by the installed PostgreSQL 15: the header layout and page magic are what the server writes. */
class WalArchivePostgresTest {

    @TempDir
    Path root;
    @TempDir
    Path restored;

    @Test
    void archivesAndRestoresASegmentThatPostgresWrote() throws IOException {
        // wal_keep_size keeps the switched segment from being recycled while the test reads it
        PostgresOptions options = PostgresOptions.defaults().withSetting("wal_keep_size", "64MB");
        try (PostgresCluster postgres = PostgresCluster.startPrimary("walarchive", options);
             LocalObjectStore store = new LocalObjectStore(root)) {
            postgres.execute("CREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 5000) g");
            String segment = postgres.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())");
            postgres.execute("SELECT pg_switch_wal()");
            Path walFile = postgres.dataDirectory().resolve("pg_wal").resolve(segment);

            Repository repository = Repository.open(store, "main");
            WalArchive archive = new WalArchive(repository, Compression.DEFAULT);
            PushResult pushed = archive.push(walFile);

            assertThat(pushed.outcome()).isEqualTo(Outcome.STORED);
            assertThat(repository.clusterInfo()).contains(new ClusterInfo(
                    new SystemIdentifier(postgres.systemIdentifier()), 15, WalSegmentSize.ofBytes(1024 * 1024), 8192,
                    ClusterInfo.FORMAT_VERSION));
            assertThat(archive.stat(segment)).get().satisfies(info ->
                    assertThat(info.size()).isLessThan(Files.size(walFile) / 2));
            assertThat(archive.fetch(segment, restored.resolve(segment))).isTrue();
            assertThat(restored.resolve(segment)).hasSameBinaryContentAs(walFile);
        }
    }
}
