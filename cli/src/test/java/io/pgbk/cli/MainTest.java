package io.pgbk.cli;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    @TempDir
    Path directory;

    private InProcessRun pgbk(Map<String, String> environment, String... args) {
        return InProcessRun.of(environment, directory.resolve("no-system-config.yaml"), args);
    }

    @Test
    void configShowsEffectiveValuesWithOriginsAndMasksSecrets() throws IOException {
        Path config = Files.writeString(directory.resolve("pgbk.yaml"),
                "repo: /var/lib/pgbk\ns3-secret-key: file-secret\ns3-access-key: AKIAFILE\ncompress: lz4\n");

        InProcessRun run = pgbk(Map.of("PGBK_S3_SECRET_KEY", "env-secret", "PGBK_DB", "host=db1 user=u password=db-secret"),
                "config", "--config", config.toString(), "--compress", "none");

        assertThat(run.status()).isZero();
        assertThat(run.out()).contains("config file: " + config)
                .containsPattern("repo +file:///var/lib/pgbk  \\(" + config + "\\)")
                .containsPattern("compress +none  \\(--compress\\)")
                .containsPattern("s3-secret-key +\\*+  \\(PGBK_S3_SECRET_KEY\\)")
                .containsPattern("s3-access-key +\\*+  \\(" + config + "\\)")
                .containsPattern("db +host=db1 port=5432 user=u dbname=u password=\\*+  \\(PGBK_DB\\)")
                .containsPattern("cluster +main  \\(default\\)")
                .containsPattern("pgdata +\\(not set\\)");
        assertThat(run.out() + run.err()).doesNotContain("file-secret", "env-secret", "db-secret", "AKIAFILE");
    }

    @Test
    void expectedFailureIsOneLineAndStatusOne() {
        InProcessRun run = pgbk(Map.of("PGBK_COMPRES", "zstd"), "config");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.errLines()).containsExactly("pgbk: unknown environment variable PGBK_COMPRES (did you mean PGBK_COMPRESS?)");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void secretFlagIsRefusedWhereverItIsTyped() {
        for (List<String> args : List.of(List.of("--s3-secret-key=sekrit", "config"), List.of("config", "--s3-secret-key", "sekrit"),
                List.of("wal-fetch", "--s3-secret-key=sekrit", "000000010000000000000001", "x"))) {
            InProcessRun run = pgbk(Map.of(), args.toArray(String[]::new));

            assertThat(run.status()).as("%s", args).isEqualTo(1);
            assertThat(run.errLines()).as("%s", args).containsExactly("pgbk: 's3-secret-key' cannot be given on the command line, "
                    + "where other users can read it: set PGBK_S3_SECRET_KEY or put it in the config file");
        }
    }

    @Test
    void usageErrorsExitTwo() {
        InProcessRun unknownOption = pgbk(Map.of(), "config", "--compres", "zstd");
        assertThat(unknownOption.status()).isEqualTo(2);
        assertThat(unknownOption.err()).startsWith("pgbk: Unknown options: '--compres', 'zstd'")
                .contains("--compress")
                .contains("Try 'pgbk config --help' for more information.");

        InProcessRun missingArgument = pgbk(Map.of(), "wal-fetch", "000000010000000000000001");
        assertThat(missingArgument.status()).isEqualTo(2);
        assertThat(missingArgument.err()).startsWith("pgbk: Missing required parameter: 'DEST'");

        InProcessRun unknownCommand = pgbk(Map.of(), "wal-pus");
        assertThat(unknownCommand.status()).isEqualTo(2);
        assertThat(unknownCommand.err()).contains("wal-push");

        InProcessRun both = pgbk(Map.of(), "-v", "-q", "config");
        assertThat(both.status()).isEqualTo(2);
        assertThat(both.err()).startsWith("pgbk: --verbose and --quiet cannot be used together");

        InProcessRun noCommand = pgbk(Map.of());
        assertThat(noCommand.status()).isEqualTo(2);
        assertThat(noCommand.err()).startsWith("Usage: pgbk");
    }

    @Test
    void unexpectedExceptionIsAnInternalErrorInOneLine() {
        InProcessRun run = InProcessRun.of(List.of(new Failing()), Map.of(), directory.resolve("none.yaml"), "failing");

        assertThat(run.status()).isEqualTo(3);
        assertThat(run.errLines()).containsExactly(
                "pgbk: internal error: java.lang.IllegalStateException: broken invariant (run with --verbose for details)");
    }

    @Test
    void helpAndVersionSucceed() {
        InProcessRun help = pgbk(Map.of(), "wal-push", "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out().replaceAll("\\s+", " ")).contains("--repo=REPO", "Env: PGBK_REPO", "--compress=CODEC", "Default: zstd:1", "--config=FILE")
                .doesNotContain("--s3-secret-key", "--s3-access-key", "--db");

        // picocli builds only the command named, after global options; help and the top level build them all
        InProcessRun afterGlobalOptions = pgbk(Map.of(), "-v", "--config", directory.resolve("none.yaml").toString(),
                "restore", "--help");
        assertThat(afterGlobalOptions.status()).isZero();
        assertThat(afterGlobalOptions.out()).startsWith("Usage: pgbk restore").contains("--target-time");
        InProcessRun top = pgbk(Map.of(), "--help");
        assertThat(top.out()).contains("backup", "list", "show", "wal-push", "wal-fetch", "wal-prefetch",
                "wal-push-async", "restore", "receive-wal", "verify", "check", "expire", "config", "help");
        InProcessRun helpFor = pgbk(Map.of(), "help", "expire");
        assertThat(helpFor.status()).isZero();
        assertThat(helpFor.out()).startsWith("Usage: pgbk expire");

        InProcessRun version = pgbk(Map.of(), "--version");
        assertThat(version.status()).isZero();
        assertThat(version.out()).startsWith("pgbk ");
    }

    @Test
    void missingRepositoryTellsWhereToSetIt() {
        InProcessRun run = pgbk(Map.of(), "wal-fetch", "000000010000000000000001", directory.resolve("x").toString());

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.errLines()).containsExactly("pgbk: no value for 'repo': pass --repo, set PGBK_REPO or add 'repo' to "
                + "the config file (" + directory.resolve("no-system-config.yaml") + ")");
    }

    @Test
    void walFetchOfAMissingFileExitsOneWithoutAnErrorLine() {
        Path destination = directory.resolve("RECOVERYXLOG");
        InProcessRun run = pgbk(Map.of("PGBK_REPO", directory.resolve("repo").toString()),
                "wal-fetch", "000000010000000000000001", destination.toString());

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).isEmpty();
        assertThat(destination).doesNotExist();
    }

    @Command(name = "failing")
    static final class Failing implements PgbkCommand {
        @Override
        public List<Setting<?>> settings() {
            return List.of();
        }

        @Override
        public ExitStatus run(CommandContext context) {
            throw new IllegalStateException("broken invariant");
        }
    }
}
