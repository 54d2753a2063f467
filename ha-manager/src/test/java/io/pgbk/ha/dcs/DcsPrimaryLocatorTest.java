package io.pgbk.ha.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.testkit.etcd.EtcdServer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The locator is the same over every backend; etcd is the quicker one to run it on. */
class DcsPrimaryLocatorTest {

    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static EtcdServer etcd;
    private static int clusters;

    private final ExecutorService background = Executors.newSingleThreadExecutor(task -> new Thread(task, "locator-watch"));
    private Dcs pg1;
    private Dcs pg2;
    private Dcs receiver;
    private DcsPrimaryLocator locator;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @BeforeEach
    void openClients() {
        DcsLocation location = DcsLocation.parse("etcd://" + etcd.hostPort() + "/locator" + ++clusters);
        pg1 = location.open();
        pg2 = location.open();
        receiver = location.open();
        locator = new DcsPrimaryLocator(receiver, Clock.systemUTC());
    }

    @AfterEach
    void closeClients() {
        background.shutdownNow();
        pg1.close();
        pg2.close();
        receiver.close();
    }

    @Test
    void thePrimaryIsTheLeaderAtItsConnUrl() {
        assertThat(locator.currentPrimary()).isEmpty();

        pg1.touchMember("pg1", DcsContractTest.patroniMember(5432, "master", 3), TTL);
        pg2.touchMember("pg2", DcsContractTest.patroniMember(5433, "replica", 3), TTL);
        assertThat(locator.currentPrimary()).as("no leader yet").isEmpty();
        assertThat(pg1.attemptToAcquireLeader("pg1", TTL)).isTrue();

        assertThat(locator.currentPrimary()).contains(new ClusterMember("pg1", "postgres://127.0.0.1:5432/postgres", 3));
    }

    @Test
    void followsAFailover() throws Exception {
        pg1.touchMember("pg1", DcsContractTest.patroniMember(5432, "master", 3), TTL);
        pg2.touchMember("pg2", DcsContractTest.patroniMember(5433, "replica", 3), TTL);
        assertThat(pg1.attemptToAcquireLeader("pg1", TTL)).isTrue();
        ClusterMember known = locator.currentPrimary().orElseThrow();
        CompletableFuture<Optional<ClusterMember>> change =
                CompletableFuture.supplyAsync(() -> locator.awaitPrimaryChange(known, WAIT), background);

        pg1.releaseLeader("pg1");
        pg2.touchMember("pg2", DcsContractTest.patroniMember(5433, "master", 4), TTL);
        assertThat(pg2.attemptToAcquireLeader("pg2", TTL)).isTrue();

        assertThat(change.get(WAIT.toSeconds() + 5, TimeUnit.SECONDS))
                .contains(new ClusterMember("pg2", "postgres://127.0.0.1:5433/postgres", 4));
    }

    @Test
    void waitsForALeaderThatHasNoAddressYet() throws Exception {
        pg1.touchMember("pg1", DcsContractTest.patroniMember(5432, "master", 3), TTL);
        assertThat(pg1.attemptToAcquireLeader("pg1", TTL)).isTrue();
        ClusterMember known = locator.currentPrimary().orElseThrow();
        pg2.touchMember("pg2", Map.of("role", "replica"), TTL);
        pg1.releaseLeader("pg1");
        assertThat(pg2.attemptToAcquireLeader("pg2", TTL)).isTrue();
        CompletableFuture<Optional<ClusterMember>> change =
                CompletableFuture.supplyAsync(() -> locator.awaitPrimaryChange(known, WAIT), background);

        pg2.touchMember("pg2", DcsContractTest.patroniMember(5433, "master", 4), TTL);

        assertThat(change.get(WAIT.toSeconds() + 5, TimeUnit.SECONDS).map(ClusterMember::name)).contains("pg2");
    }

    @Test
    void noChangeWithinTheTimeoutIsEmpty() {
        pg1.touchMember("pg1", DcsContractTest.patroniMember(5432, "master", 3), TTL);
        assertThat(pg1.attemptToAcquireLeader("pg1", TTL)).isTrue();
        ClusterMember known = locator.currentPrimary().orElseThrow();

        pg1.releaseLeader("pg1");
        assertThat(locator.awaitPrimaryChange(known, Duration.ofSeconds(1))).as("no primary is not a new primary").isEmpty();
        assertThat(pg1.attemptToAcquireLeader("pg1", TTL)).isTrue();
        assertThat(locator.awaitPrimaryChange(known, Duration.ofSeconds(1))).as("the same primary again").isEmpty();
    }
}
