package io.pgbk.cli.command.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.cli.PgbkInstallation;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.postgres.PostgresCluster;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * `pgbk backup --mode stream` as a backup server runs it, through the installed launcher: no
 * access to the standby's files, only its replication connection; the primary archives with
 * pgbk wal-push.
 */
class StreamBackupIT {

    @Test
    void streamsAStandbyAndListsItAndAnUnreachableNodeLeavesNothing() throws IOException {
        try (PgbkInstallation pgbk = PgbkInstallation.create();
             ArchivingPrimaryAndStandby clusters = ArchivingPrimaryAndStandby.start(pgbk, "stream-it")) {
            int nobody = FreePorts.next();
            PgbkInstallation.Result unreachable = clusters.pgbk("backup", "--mode", "stream",
                    "--db", "host=127.0.0.1 port=" + nobody + " user=postgres");
            assertThat(unreachable.status()).isEqualTo(1);
            assertThat(unreachable.errLines()).last().asString()
                    .contains("cannot connect to PostgreSQL at 127.0.0.1:" + nobody);
            assertThat(listed(clusters)).isEmpty();

            PostgresCluster standby = clusters.standby();
            PgbkInstallation.Result backup = clusters.pgbk("backup", "--mode", "stream", "--db", standby.conninfo(),
                    "--primary", clusters.primary().conninfo());
            assertThat(backup.status()).as(backup.err()).isZero();
            String id = backup.out().lines().findFirst().orElseThrow();
            assertThat(id).matches("\\d{8}T\\d{6}Z");
            assertThat(backup.out()).contains("full backup from 127.0.0.1:" + standby.port() + " (standby)");

            JsonNode listed = listed(clusters);
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).get("id").asText()).isEqualTo(id);
            assertThat(listed.get(0).get("status").asText()).isEqualTo("ok");
        }
    }

    private static JsonNode listed(ArchivingPrimaryAndStandby clusters) throws IOException {
        PgbkInstallation.Result list = clusters.pgbk("list", "--json");
        assertThat(list.status()).as(list.err()).isZero();
        return new ObjectMapper().readTree(list.out());
    }
}
