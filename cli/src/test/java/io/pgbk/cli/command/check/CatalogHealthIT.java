package io.pgbk.cli.command.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.cli.PgbkInstallation;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * `pgbk check`, `verify` and `expire` as a user runs them, through the installed launcher, against
 * one primary whose archive_command is pgbk wal-push: check passes on it and on a standby, real
 * backups verify, expire keeps what the policy says and what remains still verifies, a flipped
 * byte fails verify naming the file, and check fails with one clear line for a broken
 * archive_command or an unusable repository.
 */
class CatalogHealthIT {

    /** Bytes before the content in a sealed object (SealHeader.SIZE). */
    private static final int SEAL_HEADER = 6;

    @Test
    void checkVerifyAndExpireOnARealCluster() throws IOException {
        ServiceUser user = ServiceUser.forServers();
        try (PgbkInstallation pgbk = PgbkInstallation.create(); TempDirectory work = user.createDirectory("health-it")) {
            Path repository = Files.createDirectory(work.path().resolve("repository"));
            // uncompressed parts, so that a byte of a part object is a byte of a file
            Path config = Files.writeString(work.path().resolve("pgbk.yaml"), "repo: " + repository
                    + "\ncluster: main\ncompress: none\narchive-timeout: 20\nlock-path: "
                    + work.path().resolve("locks") + "\n");
            user.takeOwnership(work.path());
            try (PostgresCluster primary = PostgresCluster.startPrimary("health-it", PostgresOptions.defaults()
                    .withWalSegmentSizeMb(1)
                    .withSetting("archive_mode", "on")
                    .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p")))) {
                primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");

                PgbkInstallation.Result check = run(pgbk, work, config, "check", "--db", primary.conninfo());
                assertThat(check.status()).as(check.out() + check.err()).isZero();
                assertThat(check.out().lines()).anySatisfy(line -> assertThat(line).startsWith("archiving")
                        .contains("OK", "arrived in the repository after pg_switch_wal()"));
                assertThat(check.out().lines()).noneSatisfy(line -> assertThat(line).contains("FAILED"));

                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    primary.execute("INSERT INTO t SELECT g FROM generate_series(1, 1000) g");
                    PgbkInstallation.Result backup = run(pgbk, work, config, "backup", "--from", "primary",
                            "--pgdata", primary.dataDirectory().toString(), "--db", primary.conninfo());
                    assertThat(backup.status()).as(backup.err()).isZero();
                    ids.add(backup.out().lines().findFirst().orElseThrow());
                }

                try (PostgresCluster standby = primary.createStandby("health-it-standby", StandbyOptions.streaming())) {
                    standby.waitForCatchUp(primary);
                    PgbkInstallation.Result standbyCheck = run(pgbk, work, config, "check", "--db", standby.conninfo());
                    assertThat(standbyCheck.status()).as(standbyCheck.out() + standbyCheck.err()).isZero();
                    assertThat(standbyCheck.out().lines()).anySatisfy(line -> assertThat(line).startsWith("archiving")
                            .contains("OK", "a standby cannot switch WAL: run pgbk check against the primary"));
                }

                PgbkInstallation.Result verified = run(pgbk, work, config, "verify", "--wal");
                assertThat(verified.status()).as(verified.out() + verified.err()).isZero();
                assertThat(verified.out().lines().filter(line -> line.contains(" OK ("))).hasSize(4);

                List<String> before = listing(repository);
                PgbkInstallation.Result dryRun = run(pgbk, work, config, "expire", "--retention-full", "2", "--dry-run");
                assertThat(dryRun.status()).as(dryRun.err()).isZero();
                assertThat(dryRun.out()).contains("would remove backup " + ids.get(0), "would remove ");
                assertThat(listing(repository)).isEqualTo(before);

                PgbkInstallation.Result expired = run(pgbk, work, config, "expire", "--retention-full", "2");
                assertThat(expired.status()).as(expired.err()).isZero();
                assertThat(expired.out()).contains("removed backup " + ids.get(0), "keep backup " + ids.get(1),
                        "keep backup " + ids.get(2));
                assertThat(expired.out()).containsPattern("removed \\d+ WAL files");
                assertThat(repository.resolve("main/backups/" + ids.get(0))).satisfiesAnyOf(
                        path -> assertThat(path).doesNotExist(), path -> assertThat(path).isEmptyDirectory());
                PgbkInstallation.Result afterExpire = run(pgbk, work, config, "verify");
                assertThat(afterExpire.status()).as(afterExpire.out() + afterExpire.err()).isZero();
                assertThat(afterExpire.out().lines()).hasSize(2);

                JsonNode manifest = new ObjectMapper().readTree(run(pgbk, work, config, "show", ids.get(2), "--json")
                        .out());
                JsonNode victim = null;
                for (JsonNode file : manifest.get("files")) {
                    boolean whole = file.path("pageMap").isMissingNode() || file.path("pageMap").isNull();
                    if (whole && file.path("data").path("backup").asText().equals(ids.get(2))
                            && file.get("size").asLong() > 1000) {
                        victim = file;
                        break;
                    }
                }
                assertThat(victim).as("a file stored in the newest backup").isNotNull();
                Path part = repository.resolve(String.format("main/backups/%s/parts/%04d.tar", ids.get(2),
                        victim.get("data").get("part").asInt()));
                flipByte(part, SEAL_HEADER + victim.get("data").get("offset").asLong() + 500);
                PgbkInstallation.Result corrupt = run(pgbk, work, config, "verify", ids.get(2));
                assertThat(corrupt.status()).isEqualTo(1);
                assertThat(corrupt.out()).contains(ids.get(2) + " FAILED",
                        victim.get("path").asText() + " in main/backups/" + ids.get(2), "CRC32C expected "
                                + victim.get("data").get("crc32c").asText());

                primary.execute("ALTER SYSTEM SET archive_command = 'false'");
                primary.execute("SELECT pg_reload_conf()");
                PgbkInstallation.Result broken = run(pgbk, work, config, "check", "--db", primary.conninfo(),
                        "--archive-timeout", "3");
                assertThat(broken.status()).isEqualTo(1);
                assertThat(broken.out().lines()).anySatisfy(line -> assertThat(line).startsWith("archive settings")
                        .contains("WARNING", "archive_command is 'false', not pgbk wal-push %p"));
                assertThat(broken.out().lines()).anySatisfy(line -> assertThat(line).startsWith("archiving")
                        .contains("FAILED", "did not arrive", "within 3 s after pg_switch_wal()"));

                Path notADirectory = Files.writeString(work.path().resolve("file"), "x");
                PgbkInstallation.Result unreachable = run(pgbk, work, config, "check", "--db", primary.conninfo(),
                        "--repo", notADirectory.resolve("repository").toString(), "--archive-timeout", "1");
                assertThat(unreachable.status()).isEqualTo(1);
                assertThat(unreachable.out().lines()).anySatisfy(line -> assertThat(line).startsWith("repository")
                        .contains("FAILED"));
            }
        }
    }

    private static PgbkInstallation.Result run(PgbkInstallation pgbk, TempDirectory work, Path config,
            String... arguments) {
        List<String> words = new ArrayList<>(List.of("--config", config.toString()));
        words.addAll(List.of(arguments));
        return pgbk.run(work.path(), Map.of(), words.toArray(String[]::new));
    }

    private static List<String> listing(Path repository) throws IOException {
        try (var files = Files.walk(repository)) {
            return files.map(path -> repository.relativize(path) + (Files.isDirectory(path) ? "/" : "")).sorted()
                    .toList();
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        assertThat(Files.size(file)).isGreaterThan(position);
        try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
            raw.seek(position);
            int value = raw.read();
            raw.seek(position);
            raw.write(value ^ 0x01);
        }
    }
}
