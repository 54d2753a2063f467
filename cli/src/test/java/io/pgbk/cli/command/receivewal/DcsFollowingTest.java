package io.pgbk.cli.command.receivewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.ha.dcs.Dcs;
import io.pgbk.ha.dcs.DcsLocation;
import io.pgbk.ha.dcs.DcsPrimaryLocator;
import io.pgbk.receiver.Backoff;
import io.pgbk.receiver.ReceiverSettings;
import io.pgbk.receiver.WalReceiver;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.spool.ArchiveConsumer;
import io.pgbk.receiver.stream.StreamSettings;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.etcd.EtcdServer;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The receiver against a real etcd whose leader key the test writes in Patroni's layout, with
 * plain PostgreSQL servers behind it: the bad cases a Patroni cluster cannot be made to show on
 * demand. An etcd outage while streaming, a leader key naming a dead node, and one naming a
 * server of another cluster.
 */
class DcsFollowingTest {

    private static final Poll SOON = new Poll(Duration.ofSeconds(60));
    private static final Duration MEMBER_TTL = Duration.ofSeconds(120);
    private static final PostgresOptions OPTIONS = PostgresOptions.defaults().withWalSegmentSizeMb(1)
            .withSetting("max_wal_senders", "5").withSetting("max_replication_slots", "5");

    @Test
    void keepsStreamingWhileEtcdIsDownAndFollowsTheLeaderOnceItIsBack() throws Exception {
        try (TempDirectory work = ServiceUser.forServers().createDirectory("dcs-following");
             EtcdServer etcd = EtcdServer.start();
             Dcs dcs = DcsLocation.parse("etcd://" + etcd.hostPort() + "/service/outage").open();
             PostgresCluster primary = PostgresCluster.startPrimary("outage-a", OPTIONS);
             PostgresCluster standby = primary.createStandby("outage-b", StandbyOptions.streaming());
             LocalObjectStore store = new LocalObjectStore(Files.createDirectory(work.path().resolve("repository")))) {
            lead(dcs, "a", primary);
            Repository repository = Repository.open(store, "main");
            ArchivedWal stored = new ArchivedWal(repository, new WalArchive(repository, Compression.DEFAULT),
                    WalSegmentSize.ofBytes(1024 * 1024));
            try (Receiving receiving = Receiving.start(work, dcs, repository)) {
                SOON.until("pgbk to stream from a", () -> streaming(primary), receiving::failure);

                etcd.stop();
                String whileDown = switchWal(primary);
                SOON.until(whileDown + " stored while etcd is down", () -> stored.holds(whileDown), receiving::failure);
                assertThat(receiving.isAlive()).isTrue();
                assertThat(streaming(primary)).as("still streaming from a").isTrue();

                etcd.restart();
                standby.promote();
                standby.waitUntilPromoted();
                dcs.releaseLeader("a");
                lead(dcs, "b", standby);
                SOON.until("pgbk to follow the leader key to b", () -> streaming(standby) && stored.holds("00000002.history"),
                        receiving::failure);
                assertThat(streaming(primary)).as("the stream from the old primary was ended").isFalse();
            }
        }
    }

    @Test
    void retriesADeadLeaderAndRefusesAServerOfAnotherCluster() throws Exception {
        try (TempDirectory work = ServiceUser.forServers().createDirectory("dcs-bad-leader");
             EtcdServer etcd = EtcdServer.start();
             Dcs dcs = DcsLocation.parse("etcd://" + etcd.hostPort() + "/service/bad").open();
             PostgresCluster primary = PostgresCluster.startPrimary("bad-a", OPTIONS);
             PostgresCluster foreign = PostgresCluster.startPrimary("bad-foreign", OPTIONS);
             LocalObjectStore store = new LocalObjectStore(Files.createDirectory(work.path().resolve("repository")))) {
            lead(dcs, "a", primary);
            Repository repository = Repository.open(store, "main");
            ArchivedWal stored = new ArchivedWal(repository, new WalArchive(repository, Compression.DEFAULT),
                    WalSegmentSize.ofBytes(1024 * 1024));
            try (Receiving receiving = Receiving.start(work, dcs, repository)) {
                String first = switchWal(primary);
                SOON.until(first + " stored", () -> stored.holds(first), receiving::failure);
                SystemIdentifier system = repository.clusterInfo().map(ClusterInfo::systemIdentifier).orElseThrow();
                assertThat(system).isEqualTo(new SystemIdentifier(primary.systemIdentifier()));

                dcs.releaseLeader("a");
                int deadPort = FreePorts.next();
                dcs.touchMember("dead", Map.of("conn_url", "postgres://127.0.0.1:" + deadPort + "/postgres",
                        "role", "master", "state", "running"), MEMBER_TTL);
                assertThat(dcs.attemptToAcquireLeader("dead", MEMBER_TTL)).isTrue();
                SOON.until("the receiver to retry the dead leader",
                        () -> receiving.failure().contains("127.0.0.1") && receiving.failure().contains(Integer.toString(deadPort))
                                && !streaming(primary), receiving::failure);
                assertThat(receiving.isAlive()).isTrue();

                dcs.releaseLeader("dead");
                lead(dcs, "foreign", foreign);
                SOON.until("the foreign server to be refused", () -> receiving.failure().contains("refusing"),
                        receiving::failure);
                assertThat(foreign.queryForLong("SELECT count(*) FROM pg_replication_slots")).isZero();
                assertThat(repository.clusterInfo().map(ClusterInfo::systemIdentifier)).contains(system);

                dcs.releaseLeader("foreign");
                lead(dcs, "a", primary);
                String later = switchWal(primary);
                SOON.until("streaming from a again and " + later + " stored",
                        () -> streaming(primary) && stored.holds(later), receiving::failure);
            }
        }
    }

    private static void lead(Dcs dcs, String name, PostgresCluster server) {
        dcs.touchMember(name, Map.of("conn_url", server.conninfo(), "role", "master", "state", "running"), MEMBER_TTL);
        assertThat(dcs.attemptToAcquireLeader(name, MEMBER_TTL)).isTrue();
    }

    private static boolean streaming(PostgresCluster server) {
        return server.queryForLong("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pgbk'"
                + " AND state = 'streaming'") == 1;
    }

    private static String switchWal(PostgresCluster server) {
        server.execute("CREATE TABLE IF NOT EXISTS t (n int)");
        server.execute("INSERT INTO t VALUES (1)");
        return server.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
    }

    /** A WalReceiver following the DCS on its own thread, stopped and joined on close. */
    private record Receiving(WalReceiver receiver, Thread thread) implements AutoCloseable {

        static Receiving start(TempDirectory work, Dcs dcs, Repository repository) {
            ReceiverSettings settings = ReceiverSettings.of(work.path().resolve("spool"),
                            Optional.of(new SlotName("pgbk")), Optional.empty())
                    .withStream(new StreamSettings(Duration.ofMillis(200), Duration.ofSeconds(10), false))
                    .withBackoff(Backoff.between(Duration.ofMillis(200), Duration.ofSeconds(1)))
                    .withPrimaryOnly(true);
            WalReceiver receiver = new WalReceiver(settings, new DcsPrimaryLocator(dcs, Clock.systemUTC()),
                    new ArchiveConsumer(new WalArchive(repository, Compression.DEFAULT), repository),
                    Clock.systemUTC(), Map.of("PGUSER", "postgres"));
            Thread thread = new Thread(receiver, "pgbk-receiver");
            thread.start();
            return new Receiving(receiver, thread);
        }

        String failure() {
            return receiver.lastFailure().orElse("");
        }

        boolean isAlive() {
            return thread.isAlive();
        }

        @Override
        public void close() throws InterruptedException {
            receiver.stop();
            thread.join(30_000);
            assertThat(thread.isAlive()).as("the receiver stopped").isFalse();
        }
    }
}
