package io.pgbk.cli.command.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.cli.PgbkInstallation;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * `pgbk backup --type incr` of a cluster without data checksums, after hint bits were written, and
 * `pgbk restore` of it, through the installed launcher. Without checksums and with wal_log_hints off
 * (the default) the first read of freshly inserted rows sets hint bits, and the next checkpoint
 * writes those pages with their old page LSN: the heap file differs from the parent's copy although
 * no page is newer than the parent's start LSN. The block-level incremental restores the parent's
 * pages without those hint bits, which PostgreSQL sets again: the restored table must hold every
 * row and read without errors (before manifest format 3, restore refused such a file, comparing
 * it with the SHA-256 of the hinted file the backup had read).
 */
class HintBitsIncrementalRestoreIT {

    private static final int PAGE_SIZE = 8192;
    private static final String FINGERPRINT =
            "SELECT count(*) || ' ' || sum(id) || ' ' || md5(string_agg(id || ':' || v, ',' ORDER BY id)) FROM t";

    @Test
    void anIncrementalAfterHintBitsWereWrittenRestoresEveryRow() throws IOException {
        backUpHintedPagesAndRestore("hints", "incr backup on ", primary -> { });
    }

    /**
     * wal_log_hints turned on after the parent (a restart, e.g. for pg_rewind): the server now
     * qualifies for block-level incrementals, but the pages hinted before still carry their old LSN.
     */
    @Test
    void anIncrementalAfterWalLogHintsWasTurnedOnRestoresPagesHintedBefore() throws IOException {
        backUpHintedPagesAndRestore("log-hints", "incr backup on ", primary -> {
            primary.appendConf(Map.of("wal_log_hints", "on"));
            primary.restart();
        });
    }

    /**
     * pg_checksums --enable after the parent: it rewrites every page with a checksum and the same
     * LSN, so a page restored from the parent would fail verification on the restored server: pgbk
     * takes a full backup instead.
     */
    @Test
    void anIncrementalAfterChecksumsWereEnabledRestoresPagesThatPassVerification() throws IOException {
        backUpHintedPagesAndRestore("checksums", "full backup", primary -> {
            primary.stop();
            primary.serviceUser().run("pg_checksums", List.of(primary.binaries().tool("pg_checksums"), "--enable",
                    "--no-sync", "-D", primary.dataDirectory().toString()), primary.homeDirectory(),
                    new LogFile(primary.homeDirectory().resolve("pg_checksums.log")), Duration.ofMinutes(1));
            primary.start();
            assertThat(primary.queryForString("SHOW data_checksums")).isEqualTo("on");
        });
    }

    /**
     * A table written and checkpointed, a full backup, hint bits set and checkpointed, then
     * beforeIncremental, some WAL, `backup --type incr` (whose summary must start with taken), and a
     * restore of that backup compared with the primary.
     */
    private static void backUpHintedPagesAndRestore(String name, String taken,
            Consumer<PostgresCluster> beforeIncremental)
            throws IOException {
        ServiceUser user = ServiceUser.forServers();
        try (PgbkInstallation pgbk = PgbkInstallation.create();
             TempDirectory work = user.createDirectory("hint-bits-" + name)) {
            Path repository = Files.createDirectory(work.path().resolve("repository"));
            Path config = Files.writeString(work.path().resolve("pgbk.yaml"), "repo: " + repository
                    + "\ncluster: main\nlock-path: " + work.path().resolve("locks") + "\n");
            user.takeOwnership(work.path());
            PostgresOptions withoutChecksums = PostgresOptions.defaults().withoutDataChecksums()
                    .withSetting("archive_mode", "on")
                    .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p"));
            try (PostgresCluster primary = PostgresCluster.startPrimary("hint-bits-" + name, withoutChecksums)) {
                assertThat(primary.queryForString("SHOW data_checksums")).isEqualTo("off");
                // no autovacuum: the fingerprint query below is the only reader that sets hint bits
                primary.execute("CREATE TABLE t (id int, v text) WITH (autovacuum_enabled = off)");
                primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
                primary.execute("CHECKPOINT");
                Path heap = primary.dataDirectory().resolve(primary.queryForString("SELECT pg_relation_filepath('t')"));
                byte[] withoutHints = Files.readAllBytes(heap);
                primary.switchWalAndAwaitArchived(); // a backup needs the repository to know the cluster
                Taken full = backup(pgbk, work.path(), config, primary, "full");
                assertThat(full.summary()).startsWith("full backup");

                String expected = primary.queryForString(FINGERPRINT);
                primary.execute("CHECKPOINT");
                byte[] withHints = Files.readAllBytes(heap);
                assertThat(withHints).as("the heap file after hint bits were set").isNotEqualTo(withoutHints);
                assertThat(pageLsns(withHints)).as("its page LSNs").isEqualTo(pageLsns(withoutHints));
                beforeIncremental.accept(primary);
                primary.execute("CREATE TABLE u AS SELECT g FROM generate_series(1, 100) g");
                Taken incremental = backup(pgbk, work.path(), config, primary, "incr");
                assertThat(incremental.summary()).startsWith(taken);

                Path pgdata = work.path().resolve("restored");
                PgbkInstallation.Result restore = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "restore", "--pgdata", pgdata.toString(), "--backup", incremental.id(),
                        "--pgbk-command", pgbk.launcher().toString());
                assertThat(restore.status()).as(incremental.summary() + "\n" + restore.err()).isZero();
                try (PostgresCluster restored = PostgresCluster.restoredFrom(pgdata, PostgresOptions.defaults())) {
                    restored.waitUntilPromoted();
                    assertThat(restored.queryForString(FINGERPRINT)).as(incremental.summary()).isEqualTo(expected);
                    assertThat(restored.queryForLong("SELECT count(*) FROM u")).isEqualTo(100);
                    assertThat(restored.queryForString("SHOW data_checksums"))
                            .isEqualTo(primary.queryForString("SHOW data_checksums"));
                }
            }
        }
    }

    /** What `pgbk backup` printed: the backup's id, then e.g. "incr backup on <parent> from ...". */
    private record Taken(String id, String summary) {
    }

    /** Runs `pgbk backup --type type` of the primary in local mode. */
    private static Taken backup(PgbkInstallation pgbk, Path work, Path config, PostgresCluster primary, String type) {
        PgbkInstallation.Result result = pgbk.run(work, Map.of(), "--config", config.toString(), "backup",
                "--type", type, "--from", "primary", "--pgdata", primary.dataDirectory().toString(),
                "--db", primary.conninfo());
        assertThat(result.status()).as(result.err()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines).as(result.out()).hasSizeGreaterThanOrEqualTo(2);
        return new Taken(lines.get(0), lines.get(1));
    }

    /** pd_lsn of every page: its first 8 bytes, two 32-bit halves in the server's (little-endian here) order. */
    private static List<Long> pageLsns(byte[] relation) {
        ByteBuffer pages = ByteBuffer.wrap(relation).order(ByteOrder.LITTLE_ENDIAN);
        return IntStream.range(0, relation.length / PAGE_SIZE)
                .mapToObj(page -> (long) pages.getInt(page * PAGE_SIZE) << 32
                        | Integer.toUnsignedLong(pages.getInt(page * PAGE_SIZE + 4)))
                .toList();
    }
}
