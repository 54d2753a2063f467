package io.pgbk.receiver.replication;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.receiver.conninfo.ConnInfo;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicationConnectionTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
    private static PostgresCluster server;

    @BeforeAll
    static void startServer() {
        server = PostgresCluster.startPrimary("recv-commands", PostgresOptions.defaults());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static ReplicationConnection connect() {
        return ReplicationConnection.open(ConnInfo.parse(server.conninfo(), Map.of()), Optional.empty(), "pgbk-test", READ_TIMEOUT);
    }

    @Test
    void identifiesTheSystem() {
        try (ReplicationConnection connection = connect()) {
            SystemIdentity identity = connection.identifySystem();

            assertThat(identity.systemIdentifier().value()).isEqualTo(server.systemIdentifier());
            assertThat(identity.timeline()).isEqualTo(TimelineId.FIRST);
            assertThat(identity.flushPosition()).isLessThanOrEqualTo(Lsn.parse(server.currentWalLsn()));
            assertThat(connection.walSegmentSize()).isEqualTo(WalSegmentSize.ofBytes(1024 * 1024));
        }
    }

    @Test
    void createsReadsAndDropsPhysicalSlotsThatReserveWal() {
        SlotName slot = new SlotName("pgbk_commands");
        try (ReplicationConnection connection = connect()) {
            assertThat(connection.readReplicationSlot(slot)).isEmpty();

            assertThat(connection.createPhysicalSlot(slot)).isTrue();
            assertThat(connection.createPhysicalSlot(slot)).isFalse();
            SlotState state = connection.readReplicationSlot(slot).orElseThrow();
            assertThat(state.restartLsn().isValid()).as("RESERVE_WAL sets a restart position").isTrue();
            assertThat(state.restartTimeline()).contains(TimelineId.FIRST);

            assertThat(connection.dropSlot(slot)).isTrue();
            assertThat(connection.dropSlot(slot)).isFalse();
            assertThat(connection.readReplicationSlot(slot)).isEmpty();
        }
    }

    @Test
    void aWrongPasswordIsOneLineWithoutThePassword() {
        server.requirePassword("replicator", "right-password");
        ConnInfo target = ConnInfo.parse("host=" + server.host() + " port=" + server.port() + " user=replicator dbname=postgres",
                Map.of());

        assertThatThrownBy(() -> ReplicationConnection.open(target, Optional.of("wrong-password"), "pgbk-test", READ_TIMEOUT))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("replicator")
                .hasMessageNotContaining("wrong-password")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        try (ReplicationConnection connection = ReplicationConnection.open(target, Optional.of("right-password"),
                "pgbk-test", READ_TIMEOUT)) {
            assertThat(connection.identifySystem().timeline()).isEqualTo(TimelineId.FIRST);
        }
    }

    @Test
    void anUnreachableServerIsAnExpectedFailure() {
        ConnInfo nowhere = ConnInfo.parse("host=127.0.0.1 port=1 user=postgres connect_timeout=2", Map.of());

        assertThatThrownBy(() -> ReplicationConnection.open(nowhere, Optional.empty(), "pgbk-test", READ_TIMEOUT))
                .isInstanceOf(PgbkException.class).hasMessageContaining("cannot connect for replication to host=127.0.0.1 port=1");
    }
}
