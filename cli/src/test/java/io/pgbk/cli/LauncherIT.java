package io.pgbk.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher bin/pgbk over the shaded jar, run as a process the way PostgreSQL and users run it. */
class LauncherIT {

    private PgbkInstallation pgbk;

    @BeforeEach
    void install() {
        pgbk = PgbkInstallation.create();
    }

    @AfterEach
    void uninstall() {
        pgbk.close();
    }

    @Test
    void runsThroughASymbolicLinkFromAnyDirectory() throws IOException {
        Path link = Files.createSymbolicLink(pgbk.directory().resolve("pgbk-link"), pgbk.launcher());

        PgbkInstallation.Result result = PgbkInstallation.run(List.of(link.toString(), "--version"), Path.of("/"), Map.of());

        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.out()).startsWith("pgbk ");
        assertThat(result.err()).isEmpty();
    }

    @Test
    void exitStatusesAndMessages() {
        Path repository = pgbk.directory().resolve("repository");

        PgbkInstallation.Result usage = pgbk.run(pgbk.directory(), Map.of(), "wal-fetch", "--bogus");
        assertThat(usage.status()).isEqualTo(2);
        assertThat(usage.err()).startsWith("pgbk: ");

        PgbkInstallation.Result badValue = pgbk.run(pgbk.directory(), Map.of("PGBK_COMPRESS", "fast"), "config");
        assertThat(badValue.status()).isEqualTo(1);
        assertThat(badValue.errLines()).containsExactly("pgbk: bad value 'fast' for 'compress' from PGBK_COMPRESS: "
                + "expected zstd, lz4 or none, optionally with a level (zstd:3)");

        PgbkInstallation.Result missing = pgbk.run(pgbk.directory(), Map.of("PGBK_REPO", repository.toString()),
                "wal-fetch", "000000010000000000000007", "RECOVERYXLOG");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.errLines()).containsExactly(
                "pgbk: WAL file 000000010000000000000007 is not in file://" + repository + " cluster 'main'");

        PgbkInstallation.Result quiet = pgbk.run(pgbk.directory(), Map.of("PGBK_REPO", repository.toString()),
                "-q", "wal-fetch", "000000010000000000000007", "RECOVERYXLOG");
        assertThat(quiet.status()).isEqualTo(1);
        assertThat(quiet.err()).isEmpty();
    }

    @Test
    void secretsOnTheCommandLineAreRefusedAndNeverEchoed() {
        PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of(), "config", "--s3-secret-key=sekrit-value");

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.errLines()).hasSize(1);
        assertThat(result.err()).contains("PGBK_S3_SECRET_KEY").doesNotContain("sekrit-value");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void configMasksSecretsFromTheEnvironment() {
        PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of("PGBK_S3_SECRET_KEY", "sekrit-value"), "config");

        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.out()).containsPattern("s3-secret-key +\\*+  \\(PGBK_S3_SECRET_KEY\\)").doesNotContain("sekrit-value");
    }
}
