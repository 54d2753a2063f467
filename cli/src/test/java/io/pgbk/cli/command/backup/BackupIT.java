package io.pgbk.cli.command.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.cli.PgbkInstallation;
import io.pgbk.cli.Poll;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * `pgbk backup`, `list` and `show` as a user runs them, through the installed launcher, on a
 * standby whose primary archives with pgbk wal-push.
 */
class BackupIT {

    @Test
    void backsUpAStandbyListsAndShowsIt() throws IOException {
        ServiceUser user = ServiceUser.forServers();
        try (PgbkInstallation pgbk = PgbkInstallation.create(); TempDirectory work = user.createDirectory("backup-it")) {
            Path repository = Files.createDirectory(work.path().resolve("repository"));
            Path config = Files.writeString(work.path().resolve("pgbk.yaml"), "repo: " + repository
                    + "\ncluster: main\nlock-path: " + work.path().resolve("locks") + "\n");
            user.takeOwnership(work.path());
            try (PostgresCluster primary = PostgresCluster.startPrimary("backup-it-primary", PostgresOptions.defaults()
                    .withSetting("archive_mode", "on")
                    .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p")));
                 PostgresCluster standby = primary.createStandby("backup-it-standby", StandbyOptions.streaming())) {
                primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 10000) g");
                String segment = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
                new Poll(Duration.ofMinutes(1)).until("the primary to archive " + segment, () -> primary
                        .queryForString("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
                        .compareTo(segment) >= 0, () -> primary.logTail(30));
                standby.waitForCatchUp(primary);
                primary.execute("CHECKPOINT");

                PgbkInstallation.Result refused = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "backup", "--pgdata", primary.dataDirectory().toString(), "--db", primary.conninfo());
                assertThat(refused.status()).isEqualTo(1);
                assertThat(refused.errLines()).last().asString()
                        .contains("is a primary, not a standby: refusing to back up from it with --from standby");

                PgbkInstallation.Result backup = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "backup", "--pgdata", standby.dataDirectory().toString(), "--db", standby.conninfo(),
                        "--primary", primary.conninfo(), "--jobs", "2");
                assertThat(backup.status()).as(backup.err()).isZero();
                String id = backup.out().lines().findFirst().orElseThrow();
                assertThat(id).matches("\\d{8}T\\d{6}Z");
                assertThat(backup.out()).contains("full backup from 127.0.0.1:" + standby.port() + " (standby)");

                PgbkInstallation.Result list = pgbk.run(work.path(), Map.of(), "--config", config.toString(), "list");
                assertThat(list.status()).as(list.err()).isZero();
                assertThat(list.out().lines()).hasSize(2);
                assertThat(list.out().lines().skip(1).findFirst().orElseThrow()).startsWith(id + "  full").endsWith("ok");

                PgbkInstallation.Result listJson = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "list", "--json");
                JsonNode listed = new ObjectMapper().readTree(listJson.out());
                assertThat(listed).hasSize(1);
                assertThat(listed.get(0).get("id").asText()).isEqualTo(id);
                assertThat(listed.get(0).get("status").asText()).isEqualTo("ok");

                PgbkInstallation.Result show = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "show", id);
                assertThat(show.status()).as(show.err()).isZero();
                assertThat(show.out()).contains("backup          " + id + " (full)", "checksums       verified",
                        "START WAL LOCATION");

                PgbkInstallation.Result showJson = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "show", id, "--json");
                JsonNode manifest = new ObjectMapper().readTree(showJson.out());
                assertThat(manifest.get("id").asText()).isEqualTo(id);
                assertThat(manifest.get("source").get("standby").asBoolean()).isTrue();
                assertThat(manifest.get("files").size()).isGreaterThan(100);

                PgbkInstallation.Result missing = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "show", "20200101T000000Z");
                assertThat(missing.status()).isEqualTo(1);
                assertThat(missing.errLines()).last().asString().contains("no backup 20200101T000000Z in repository");
            }
        }
    }
}
