package io.pgbk.cli.command.walpush;

import io.pgbk.cli.PgbkInstallation;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * wal-push and wal-fetch as PostgreSQL runs them, through the installed launcher, against one kind
 * of repository (a subclass per kind). Failures must be one line on stderr, a non-zero exit, and
 * leave the repository as it was.
 */
abstract class WalArchivingScenarios {

    private static final String FIRST_SEGMENT = "000000010000000000000001";

    protected PgbkInstallation pgbk;
    /** Owned by the servers' user: the config file, and whatever a subclass keeps there (a local repository). */
    protected TempDirectory work;
    protected Path config;

    /** The YAML lines that name the repository (repo, s3-*). */
    protected abstract String repositoryConfig();

    /** Every object of the repository with a fingerprint of its content, to see that nothing changed. */
    protected abstract Map<String, String> repositoryState();

    @BeforeEach
    void install() throws IOException {
        pgbk = PgbkInstallation.create();
        work = ServiceUser.forServers().createDirectory("cli-it");
        prepareRepository();
        config = Files.writeString(work.path().resolve("pgbk.yaml"), repositoryConfig() + "cluster: main\n");
        ServiceUser.forServers().takeOwnership(work.path());
    }

    /** Called before the config is written: create what repositoryConfig() names. */
    protected void prepareRepository() throws IOException {
    }

    @AfterEach
    void uninstall() {
        try (PgbkInstallation installed = pgbk; TempDirectory directory = work) {
            // closed in reverse order, even when a test failed
        }
    }

    @Test
    void standbyWithOnlyTheRepositoryReplaysWhatThePrimaryArchived() throws IOException {
        PostgresOptions archiving = PostgresOptions.defaults()
                .withSetting("archive_mode", "on")
                .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p"));
        String restore = pgbk.command("--config", config.toString(), "wal-fetch", "%f", "%p");
        try (PostgresCluster primary = PostgresCluster.startPrimary("primary", archiving)) {
            primary.execute("CREATE TABLE t (id int PRIMARY KEY, payload text)");
            try (PostgresCluster standby = primary.createStandby("standby", StandbyOptions.archiveOnly(restore))) {
                String lastSegment = null;
                for (int round = 0; round < 3; round++) {
                    primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(" + (round * 1000 + 1)
                            + ", " + (round + 1) * 1000 + ") g");
                    lastSegment = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
                }
                String archived = lastSegment;
                Poll poll = new Poll(Duration.ofSeconds(120));
                poll.until("the primary to archive " + archived, () -> {
                    String last = primary.queryForString("SELECT last_archived_wal FROM pg_stat_archiver");
                    return last != null && last.compareTo(archived) >= 0;
                }, () -> primary.logTail(30));
                String rows = "SELECT count(*) || ' ' || md5(string_agg(id || payload, ',' ORDER BY id)) FROM t";
                String expected = primary.queryForString(rows);
                poll.until("the standby to replay 3000 rows from the repository",
                        () -> expected.equals(standby.queryForString(rows)), () -> standby.logTail(30));

                assertThat(expected).startsWith("3000 ");
                assertThat(repositoryState().keySet()).anyMatch(key -> key.contains("main/wal/0000000100000000/" + archived));
                assertThat(primary.queryForLong("SELECT failed_count FROM pg_stat_archiver")).as(primary.logTail(60)).isZero();
                try (Stream<Path> lib = Files.list(pgbk.directory().resolve("lib"))) {
                    assertThat(lib.map(path -> path.getFileName().toString()))
                            .as("CDS archive (pgbk.<jdk>.jsa) made by the first run").anyMatch(name -> name.matches(
                                    "pgbk\\.[A-Za-z0-9._-]+\\.jsa"));
                }
            }
        }
    }

    @Test
    void walOfAnotherClusterIsRefused() {
        try (PostgresCluster first = PostgresCluster.initdb("first", PostgresOptions.defaults());
             PostgresCluster second = PostgresCluster.initdb("second", PostgresOptions.defaults())) {
            PgbkInstallation.Result stored = push(currentSegment(first));
            assertThat(stored.status()).as(stored.err()).isZero();
            Map<String, String> before = repositoryState();

            PgbkInstallation.Result refused = push(currentSegment(second));

            assertOneLineFailure(refused);
            assertThat(refused.err()).contains("refusing to mix clusters");
            assertThat(repositoryState()).isEqualTo(before);
        }
    }

    @Test
    void differentContentUnderAnArchivedNameIsRefusedAndTheSameContentAccepted() throws IOException {
        try (PostgresCluster cluster = PostgresCluster.initdb("origin", PostgresOptions.defaults())) {
            Path segment = currentSegment(cluster);
            assertThat(push(segment).status()).isZero();
            Map<String, String> before = repositoryState();
            Path altered = Files.createDirectories(pgbk.directory().resolve("altered")).resolve(segment.getFileName());
            Files.copy(segment, altered);
            try (RandomAccessFile file = new RandomAccessFile(altered.toFile(), "rw")) {
                file.seek(file.length() - 1);
                int last = file.read();
                file.seek(file.length() - 1);
                file.write(last ^ 0xff);
            }

            PgbkInstallation.Result refused = push(altered);
            PgbkInstallation.Result retried = push(segment);

            assertOneLineFailure(refused);
            assertThat(refused.err()).contains("already archived with different content");
            assertThat(retried.status()).as(retried.err()).isZero();
            assertThat(repositoryState()).isEqualTo(before);
        }
    }

    @Test
    void unknownConfigKeyFailsBeforeTouchingTheRepository() throws IOException {
        Path misspelt = Files.writeString(pgbk.directory().resolve("misspelt.yaml"), repositoryConfig() + "compres: lz4\n");

        PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of(), "--config", misspelt.toString(),
                "wal-push", "pg_wal/" + FIRST_SEGMENT);

        assertOneLineFailure(result);
        assertThat(result.errLines()).containsExactly(
                "pgbk: unknown setting 'compres' in " + misspelt + " (did you mean 'compress'?)");
        assertThat(repositoryState()).isEmpty();
    }

    /**
     * The segment of a cluster that has not run yet holding its last checkpoint: the lowest name
     * in pg_wal, since initdb's checkpoints recycle older segments under higher names (with
     * headers that do not match those names).
     */
    protected static Path currentSegment(PostgresCluster cluster) {
        try (Stream<Path> files = Files.list(cluster.dataDirectory().resolve("pg_wal"))) {
            return files.filter(file -> file.getFileName().toString().matches("[0-9A-F]{24}"))
                    .min(Comparator.comparing(Path::getFileName))
                    .orElseThrow(() -> new IllegalStateException("no WAL segment in " + cluster.dataDirectory()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected PgbkInstallation.Result push(Path walFile) {
        return pgbk.run(pgbk.directory(), Map.of(), "--config", config.toString(), "wal-push", walFile.toString());
    }

    protected static void assertOneLineFailure(PgbkInstallation.Result result) {
        assertThat(result.status()).as(result.err()).isEqualTo(1);
        assertThat(result.errLines()).as("stderr").hasSize(1);
        assertThat(result.err()).startsWith("pgbk: ").doesNotContain("\tat ", "Exception");
        assertThat(result.out()).isEmpty();
    }
}
