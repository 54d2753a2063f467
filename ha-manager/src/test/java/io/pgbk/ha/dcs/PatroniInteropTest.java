package io.pgbk.ha.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.testkit.etcd.EtcdServer;
import io.pgbk.testkit.patroni.PatroniDcs;
import io.pgbk.testkit.patroni.PatroniNode;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * pgbk reads what a real Patroni (Debian's 3.0.2) writes, and Patroni's leader key keeps pgbk
 * out: the proof that both use one key layout, value format and locking scheme.
 */
class PatroniInteropTest {

    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void followsTheLeaderOfAPatroniClusterOnEtcd() {
        try (EtcdServer etcd = EtcdServer.start();
             PatroniNode patroni = PatroniNode.start("pg1", "batman", PatroniDcs.etcd(etcd, "batman"));
             Dcs dcs = DcsLocation.parse("etcd://" + etcd.hostPort() + "/batman").open()) {
            DcsPrimaryLocator locator = new DcsPrimaryLocator(dcs, Clock.systemUTC());
            // Patroni writes its member key once before the bootstrap finishes, without a timeline;
            // the timeline appears with the first HA loop that runs as the leader.
            DcsContractTest.awaitCondition("Patroni to bootstrap, take the leader key and publish its timeline",
                    BOOTSTRAP, () -> patroni.requireAlive()
                            && locator.currentPrimary().filter(ClusterMember::timelineKnown).isPresent());

            assertThat(locator.currentPrimary()).contains(
                    new ClusterMember("pg1", "postgres://127.0.0.1:" + patroni.postgresPort() + "/postgres", 1));
            ClusterView view = dcs.readCluster();
            Member leader = view.leader().orElseThrow();
            assertThat(leader.role()).contains("master");
            assertThat(leader.state()).contains("running");
            assertThat(leader.apiUrl()).contains("http://127.0.0.1:" + patroni.restApiPort() + "/patroni");
            assertThat(leader.xlogLocation()).isPresent();
            assertThat(view.value(ClusterKey.INITIALIZE)).hasValueSatisfying(sysid -> assertThat(sysid).matches("\\d+"));
            assertThat(dcs.getConfig()).hasValueSatisfying(config -> assertThat(config).contains("\"loop_wait\":2"));
            assertThat(dcs.attemptToAcquireLeader("intruder", Duration.ofSeconds(10))).isFalse();

            patroni.stop();
            Optional<ClusterView> released = dcs.awaitLeaderChange(view, WAIT);
            assertThat(released).as("Patroni deletes its leader key on a clean shutdown").isPresent();
            assertThat(released.get().leader()).isEmpty();
            assertThat(dcs.attemptToAcquireLeader("pg2", Duration.ofSeconds(10))).isTrue();
        }
    }
}
