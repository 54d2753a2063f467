package io.pgbk.cli.command.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.cli.PgbkInstallation;
import io.pgbk.testkit.postgres.PostgresCluster;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * `pgbk backup`, `list` and `show` as a user runs them, through the installed launcher, on a
 * standby whose primary archives with pgbk wal-push.
 */
class BackupIT {

    @Test
    void backsUpAStandbyListsAndShowsIt() throws IOException {
        try (PgbkInstallation pgbk = PgbkInstallation.create();
             ArchivingPrimaryAndStandby clusters = ArchivingPrimaryAndStandby.start(pgbk, "backup-it")) {
            PostgresCluster primary = clusters.primary();
            PostgresCluster standby = clusters.standby();
            PgbkInstallation.Result refused = clusters.pgbk("backup", "--pgdata", primary.dataDirectory().toString(),
                    "--db", primary.conninfo());
            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.errLines()).last().asString()
                    .contains("is a primary, not a standby: refusing to back up from it with --from standby");

            PgbkInstallation.Result backup = clusters.pgbk("backup", "--pgdata", standby.dataDirectory().toString(),
                    "--db", standby.conninfo(), "--primary", primary.conninfo(), "--jobs", "2");
            assertThat(backup.status()).as(backup.err()).isZero();
            String id = backup.out().lines().findFirst().orElseThrow();
            assertThat(id).matches("\\d{8}T\\d{6}Z");
            assertThat(backup.out()).contains("full backup from 127.0.0.1:" + standby.port() + " (standby)");

            PgbkInstallation.Result list = clusters.pgbk("list");
            assertThat(list.status()).as(list.err()).isZero();
            assertThat(list.out().lines()).hasSize(2);
            assertThat(list.out().lines().skip(1).findFirst().orElseThrow()).startsWith(id + "  full").endsWith("ok");

            JsonNode listed = new ObjectMapper().readTree(clusters.pgbk("list", "--json").out());
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).get("id").asText()).isEqualTo(id);
            assertThat(listed.get(0).get("status").asText()).isEqualTo("ok");

            PgbkInstallation.Result show = clusters.pgbk("show", id);
            assertThat(show.status()).as(show.err()).isZero();
            assertThat(show.out()).contains("backup          " + id + " (full)", "checksums       verified",
                    "START WAL LOCATION");

            JsonNode manifest = new ObjectMapper().readTree(clusters.pgbk("show", id, "--json").out());
            assertThat(manifest.get("id").asText()).isEqualTo(id);
            assertThat(manifest.get("source").get("standby").asBoolean()).isTrue();
            assertThat(manifest.get("files").size()).isGreaterThan(100);

            PgbkInstallation.Result missing = clusters.pgbk("show", "20200101T000000Z");
            assertThat(missing.status()).isEqualTo(1);
            assertThat(missing.errLines()).last().asString().contains("no backup 20200101T000000Z in repository");
        }
    }
}
