package io.pgbk.cli.command.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.cli.PgbkInstallation;
import io.pgbk.cli.Poll;
import io.pgbk.testkit.net.FreePorts;
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
 * `pgbk backup --mode stream` as a backup server runs it, through the installed launcher: no
 * access to the standby's files, only its replication connection; the primary archives with
 * pgbk wal-push.
 */
class StreamBackupIT {

    @Test
    void streamsAStandbyAndListsItAndAnUnreachableNodeLeavesNothing() throws IOException {
        ServiceUser user = ServiceUser.forServers();
        try (PgbkInstallation pgbk = PgbkInstallation.create();
             TempDirectory work = user.createDirectory("stream-backup-it")) {
            Path repository = Files.createDirectory(work.path().resolve("repository"));
            Path config = Files.writeString(work.path().resolve("pgbk.yaml"), "repo: " + repository
                    + "\ncluster: main\nlock-path: " + work.path().resolve("locks") + "\n");
            user.takeOwnership(work.path());
            try (PostgresCluster primary = PostgresCluster.startPrimary("stream-it-primary", PostgresOptions.defaults()
                    .withSetting("archive_mode", "on")
                    .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p")));
                 PostgresCluster standby = primary.createStandby("stream-it-standby", StandbyOptions.streaming())) {
                primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 10000) g");
                String segment = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
                new Poll(Duration.ofMinutes(1)).until("the primary to archive " + segment, () -> primary
                        .queryForString("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
                        .compareTo(segment) >= 0, () -> primary.logTail(30));
                standby.waitForCatchUp(primary);
                primary.execute("CHECKPOINT");

                int nobody = FreePorts.next();
                PgbkInstallation.Result unreachable = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "backup", "--mode", "stream", "--db", "host=127.0.0.1 port=" + nobody + " user=postgres");
                assertThat(unreachable.status()).isEqualTo(1);
                assertThat(unreachable.errLines()).last().asString()
                        .contains("cannot connect to PostgreSQL at 127.0.0.1:" + nobody);
                assertThat(listed(pgbk, work.path(), config)).isEmpty();

                PgbkInstallation.Result backup = pgbk.run(work.path(), Map.of(), "--config", config.toString(),
                        "backup", "--mode", "stream", "--db", standby.conninfo(), "--primary", primary.conninfo());
                assertThat(backup.status()).as(backup.err()).isZero();
                String id = backup.out().lines().findFirst().orElseThrow();
                assertThat(id).matches("\\d{8}T\\d{6}Z");
                assertThat(backup.out()).contains("full backup from 127.0.0.1:" + standby.port() + " (standby)");

                JsonNode listed = listed(pgbk, work.path(), config);
                assertThat(listed).hasSize(1);
                assertThat(listed.get(0).get("id").asText()).isEqualTo(id);
                assertThat(listed.get(0).get("status").asText()).isEqualTo("ok");
            }
        }
    }

    private static JsonNode listed(PgbkInstallation pgbk, Path work, Path config) throws IOException {
        PgbkInstallation.Result list = pgbk.run(work, Map.of(), "--config", config.toString(), "list", "--json");
        assertThat(list.status()).as(list.err()).isZero();
        return new ObjectMapper().readTree(list.out());
    }
}
