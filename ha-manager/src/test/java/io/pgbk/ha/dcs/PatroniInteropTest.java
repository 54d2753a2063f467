package io.pgbk.ha.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.testkit.etcd.EtcdServer;
import io.pgbk.testkit.os.LoopbackDaemon;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.ExitTrigger;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.LoggedProcess;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.StopAtExit;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
             PatroniNode patroni = PatroniNode.start("pg1", "batman", etcd);
             Dcs dcs = DcsLocation.parse("etcd://" + etcd.hostPort() + "/batman").open()) {
            DcsPrimaryLocator locator = new DcsPrimaryLocator(dcs, Clock.systemUTC());
            DcsContractTest.awaitCondition("Patroni to bootstrap and take the leader key", BOOTSTRAP,
                    () -> patroni.requireAlive() && locator.currentPrimary().isPresent());

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

    /** One Patroni node that bootstraps a new cluster, run as the OS user PostgreSQL accepts. */
    private static final class PatroniNode implements AutoCloseable {

        private final TempDirectory home;
        private final LogFile log;
        private final int postgresPort = FreePorts.next();
        private final int restApiPort = FreePorts.next();
        private final StopAtExit.Registration atExit;
        private LoggedProcess process;
        private ExitTrigger exitTrigger;

        private PatroniNode(TempDirectory home) {
            this.home = home;
            this.log = new LogFile(home.path().resolve("patroni.log"));
            this.atExit = StopAtExit.register("patroni in " + home.path(), this::stopAndDelete);
        }

        static PatroniNode start(String name, String scope, EtcdServer etcd) {
            String binary = LoopbackDaemon.findBinary("patroni").toString();
            ServiceUser user = ServiceUser.forServers();
            PatroniNode node = new PatroniNode(user.createDirectory("patroni"));
            try {
                Path config = node.home.path().resolve("patroni.yml");
                Files.writeString(config, node.configuration(name, scope, etcd));
                user.takeOwnership(node.home.path());
                node.process = user.start("patroni " + name, List.of(binary, config.toString()), node.home.path(), node.log);
                // SIGTERM reaches Patroni through runuser; Patroni then stops PostgreSQL itself.
                node.exitTrigger = ExitTrigger.arm("kill -TERM \"$1\"", List.of(Long.toString(node.process.process().pid())));
                return node;
            } catch (IOException e) {
                node.close();
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                node.close();
                throw e;
            }
        }

        int postgresPort() {
            return postgresPort;
        }

        int restApiPort() {
            return restApiPort;
        }

        /** For polling: fails with Patroni's output once it has died. */
        boolean requireAlive() {
            if (!process.isAlive()) {
                throw new IllegalStateException("patroni exited; its output:\n" + log.tail(40));
            }
            return true;
        }

        /** A clean shutdown: Patroni stops PostgreSQL and deletes its leader key. */
        void stop() {
            if (process != null) {
                process.close();
            }
            if (exitTrigger != null) {
                exitTrigger.close();
            }
        }

        @Override
        public void close() {
            try (atExit) {
                stopAndDelete();
            }
        }

        private void stopAndDelete() {
            try (home) {
                stop();
            }
        }

        private String configuration(String name, String scope, EtcdServer etcd) {
            Path dir = home.path();
            return """
                    scope: %s
                    name: %s
                    restapi:
                      listen: 127.0.0.1:%d
                      connect_address: 127.0.0.1:%d
                    etcd3:
                      hosts: %s
                    bootstrap:
                      dcs:
                        ttl: 10
                        loop_wait: 2
                        retry_timeout: 5
                      initdb:
                        - encoding: UTF8
                        - wal-segsize: "1"
                    postgresql:
                      listen: 127.0.0.1:%d
                      connect_address: 127.0.0.1:%d
                      data_dir: %s/data
                      bin_dir: %s
                      pgpass: %s/pgpass
                      authentication:
                        superuser:
                          username: postgres
                        replication:
                          username: postgres
                      parameters:
                        unix_socket_directories: %s
                      pg_hba:
                        - local all all trust
                        - host all all 127.0.0.1/32 trust
                        - host replication all 127.0.0.1/32 trust
                    """.formatted(scope, name, restApiPort, restApiPort, etcd.hostPort(), postgresPort, postgresPort,
                    dir, PostgresBinaries.find().binDirectory(), dir, dir);
        }
    }
}
