package io.pgbk.ha.dcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.LoopbackServer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every DCS backend must do, run against a real server of each kind. Each test works in a
 * cluster scope of its own, so the tests share one server without seeing each other's keys.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DcsContractTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final ExecutorService background = Executors.newSingleThreadExecutor(task -> new Thread(task, "dcs-contract-watch"));
    private LoopbackServer store;
    private String scope;
    private Dcs first;
    private Dcs second;

    /** Starts the server the subclass tests against. */
    protected abstract LoopbackServer startStore();

    /** "etcd" or "consul": the scheme of a location and the name in error messages. */
    protected abstract String scheme();


    /** The shortest TTL the backend honours (Consul sessions last at least 10 s, so 20 s there). */
    protected abstract Duration shortTtl();

    /** The raw value of a key, written Patroni's way (/service/scope/...), read with the store's own API. */
    protected abstract Optional<String> rawGet(String patroniPath);

    /** Writes a key the way Patroni would, bypassing pgbk. */
    protected abstract void rawPut(String patroniPath, String value);

    @BeforeAll
    void startServer() {
        store = startStore();
    }

    @AfterAll
    void stopServer() {
        background.shutdownNow();
        if (store != null) {
            store.close();
        }
    }

    @BeforeEach
    void openClients() {
        scope = "c" + UUID.randomUUID().toString().substring(0, 8);
        first = open();
        second = open();
    }

    @AfterEach
    void closeClients() {
        first.close();
        second.close();
    }

    @Test
    void anUninitializedClusterIsEmpty() {
        ClusterView view = first.readCluster();

        assertThat(view.isEmpty()).isTrue();
        assertThat(view.leader()).isEmpty();
        assertThat(view.members()).isEmpty();
        assertThat(first.leader()).isEmpty();
        assertThat(first.getConfig()).isEmpty();
    }

    @Test
    void writesMemberKeysExactlyAsPatroniDoesAndReadsThemBack() {
        first.touchMember("pg1", patroniMember(5432, "master", 3), Duration.ofSeconds(30));

        assertThat(rawGet("/service/" + scope + "/members/pg1")).contains("{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\","
                + "\"api_url\":\"http://127.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"master\","
                + "\"version\":\"3.0.2\",\"xlog_location\":50331808,\"timeline\":3}");
        Member member = first.readCluster().member("pg1").orElseThrow();
        assertThat(member.data()).isEqualTo(patroniMember(5432, "master", 3));
        assertThat(member.connUrl()).contains("postgres://127.0.0.1:5432/postgres");
        assertThat(member.apiUrl()).contains("http://127.0.0.1:8008/patroni");
        assertThat(member.role()).contains("master");
        assertThat(member.state()).contains("running");
        assertThat(member.timeline()).hasValue(3);
        assertThat(member.xlogLocation()).hasValue(50331808);
    }

    @Test
    void readsAClusterThatPatroniWrote() {
        String prefix = "/service/" + scope + "/";
        rawPut(prefix + "initialize", "7307350591093735553");
        rawPut(prefix + "config", "{\"ttl\":30,\"loop_wait\":10}");
        rawPut(prefix + "members/pg1", "{\"conn_url\":\"postgres://127.0.0.1:5433/postgres\",\"role\":\"master\",\"timeline\":2}");
        rawPut(prefix + "members/pg2", "{\"conn_url\":\"postgres://127.0.0.1:5434/postgres\",\"role\":\"replica\"}");
        rawPut(prefix + "leader", "pg1");
        rawPut(prefix + "history", "[[1,25165984,\"no recovery target specified\",\"2026-11-29T12:00:00+00:00\",\"pg1\"]]");

        ClusterView view = first.readCluster();

        assertThat(view.leaderName()).contains("pg1");
        assertThat(view.leader().flatMap(Member::connUrl)).contains("postgres://127.0.0.1:5433/postgres");
        assertThat(view.members()).extracting(Member::name).containsExactly("pg1", "pg2");
        assertThat(view.value(ClusterKey.INITIALIZE)).contains("7307350591093735553");
        assertThat(view.value(ClusterKey.HISTORY)).contains("[[1,25165984,\"no recovery target specified\","
                + "\"2026-11-29T12:00:00+00:00\",\"pg1\"]]");
        assertThat(first.getConfig()).contains("{\"ttl\":30,\"loop_wait\":10}");
    }

    @Test
    void onlyOneMemberHoldsTheLeaderKey() {
        Duration ttl = Duration.ofSeconds(30);

        assertThat(first.attemptToAcquireLeader("pg1", ttl)).isTrue();
        assertThat(first.attemptToAcquireLeader("pg1", ttl)).as("holding it already").isTrue();
        assertThat(second.attemptToAcquireLeader("pg2", ttl)).isFalse();
        assertThat(second.refreshLeader("pg2")).as("never took it").isFalse();
        assertThat(first.refreshLeader("pg1")).isTrue();
        assertThat(second.leader().map(Member::name)).contains("pg1");
        assertThat(rawGet("/service/" + scope + "/leader")).contains("pg1");
    }

    @Test
    void releasingTheLeaderKeyLetsAnotherMemberTakeIt() {
        Duration ttl = Duration.ofSeconds(30);
        assertThat(first.attemptToAcquireLeader("pg1", ttl)).isTrue();

        second.releaseLeader("pg2");
        assertThat(first.leader().map(Member::name)).as("only the holder can release").contains("pg1");

        first.releaseLeader("pg1");
        assertThat(first.leader()).isEmpty();
        assertThat(first.refreshLeader("pg1")).isFalse();
        assertThat(second.attemptToAcquireLeader("pg2", ttl)).isTrue();
        assertThat(first.leader().map(Member::name)).contains("pg2");
    }

    @Test
    void refreshingKeepsTheLeaderKeyBeyondItsTtlAndItExpiresOnceRefreshingStops() {
        Duration ttl = shortTtl();
        first.touchMember("pg1", patroniMember(5432, "master", 1), ttl);
        assertThat(first.attemptToAcquireLeader("pg1", ttl)).isTrue();

        Instant keptUntil = Instant.now().plus(ttl.multipliedBy(3).dividedBy(2));
        while (Instant.now().isBefore(keptUntil)) {
            assertThat(first.refreshLeader("pg1")).isTrue();
            assertThat(second.attemptToAcquireLeader("pg2", ttl)).isFalse();
            pause(Duration.ofMillis(500));
        }

        awaitCondition("the leader key to expire", ttl.multipliedBy(2).plus(WAIT), () -> second.leader().isEmpty());
        assertThat(second.readCluster().member("pg1")).as("the member key expires with it").isEmpty();
        assertThat(first.refreshLeader("pg1")).isFalse();
        assertThat(second.attemptToAcquireLeader("pg2", ttl)).isTrue();
    }

    @Test
    void aMemberThatLeavesTakesItsKeysAlongAtOnce() {
        Duration ttl = Duration.ofSeconds(30);
        first.touchMember("pg1", patroniMember(5432, "master", 1), ttl);
        second.touchMember("pg2", patroniMember(5433, "replica", 1), ttl);
        assertThat(first.attemptToAcquireLeader("pg1", ttl)).isTrue();

        first.leave("pg1");

        ClusterView view = second.readCluster();
        assertThat(view.leader()).isEmpty();
        assertThat(view.members()).extracting(Member::name).containsExactly("pg2");
        assertThat(first.refreshLeader("pg1")).isFalse();
        assertThat(second.attemptToAcquireLeader("pg2", ttl)).isTrue();
    }

    @Test
    void aWatchWakesUpWhenTheLeaderKeyChanges() throws Exception {
        ClusterView before = first.readCluster();
        CompletableFuture<Optional<ClusterView>> watch =
                CompletableFuture.supplyAsync(() -> first.awaitLeaderChange(before, WAIT), background);

        assertThat(second.attemptToAcquireLeader("pg2", Duration.ofSeconds(30))).isTrue();

        Optional<ClusterView> changed = watch.get(WAIT.toSeconds() + 5, TimeUnit.SECONDS);
        assertThat(changed).isPresent();
        assertThat(changed.get().leaderName()).contains("pg2");

        second.releaseLeader("pg2");
        Optional<ClusterView> released = first.awaitLeaderChange(changed.get(), WAIT);
        assertThat(released).as("a change made before the watch began is not lost").isPresent();
        assertThat(released.get().leaderName()).isEmpty();
    }

    @Test
    void aWatchTimesOutWhenOnlyOtherKeysChange() {
        assertThat(first.attemptToAcquireLeader("pg1", Duration.ofSeconds(30))).isTrue();
        ClusterView before = first.readCluster();
        second.touchMember("pg2", patroniMember(5433, "replica", 1), Duration.ofSeconds(30));
        first.setConfig("{\"ttl\":30}");

        assertThat(first.awaitLeaderChange(before, Duration.ofSeconds(2))).isEmpty();
        assertThat(first.refreshLeader("pg1")).as("keeping the key alive is no change").isTrue();
        assertThat(first.awaitLeaderChange(before, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void onlyTheFirstMemberInitializesTheCluster() {
        assertThat(first.initialize("7307350591093735553")).isTrue();
        assertThat(second.initialize("7307350591093735554")).isFalse();
        assertThat(second.readCluster().value(ClusterKey.INITIALIZE)).contains("7307350591093735553");
    }

    @Test
    void storesTheDynamicConfiguration() {
        first.setConfig("{\"ttl\":30,\"loop_wait\":10,\"postgresql\":{\"parameters\":{\"wal_level\":\"replica\"}}}");
        first.setConfig("{\"ttl\":20}");

        assertThat(second.getConfig()).contains("{\"ttl\":20}");
        assertThat(rawGet("/service/" + scope + "/config")).contains("{\"ttl\":20}");
    }

    @Test
    void saysInOneLineThatTheStoreIsUnreachableAndRecoversWhenItIsBack() {
        ClusterView view = first.readCluster();
        CompletableFuture<Optional<ClusterView>> watch =
                CompletableFuture.supplyAsync(() -> first.awaitLeaderChange(view, WAIT), background);
        store.stop();
        try {
            assertThatThrownBy(() -> watch.get(WAIT.toSeconds() + 10, TimeUnit.SECONDS))
                    .as("a watch under way when the store goes away")
                    .cause()
                    .isInstanceOf(PgbkException.class)
                    .hasMessageContaining(scheme() + " at http://" + store.hostPort())
                    .message().doesNotContain("\n");
            assertThatThrownBy(first::readCluster)
                    .isInstanceOf(PgbkException.class)
                    .hasMessage("cannot reach " + scheme() + " at http://" + store.hostPort() + ": connection refused");
            assertThatThrownBy(() -> first.attemptToAcquireLeader("pg1", Duration.ofSeconds(30)))
                    .isInstanceOf(PgbkException.class)
                    .hasMessageStartingWith("cannot reach " + scheme());
        } finally {
            store.restart();
        }
        assertThat(first.readCluster().leader()).isEmpty();
        assertThat(first.attemptToAcquireLeader("pg1", Duration.ofSeconds(30))).isTrue();
        assertThat(second.leader().map(Member::name)).contains("pg1");
    }

    @Test
    void triesTheNextAddressWhenOneIsDown() {
        String unused = "127.0.0.1:" + FreePorts.next();
        try (Dcs dcs = DcsLocation.parse(scheme() + "://" + unused + "," + store.hostPort() + "/" + scope).open()) {
            dcs.setConfig("{\"ttl\":30}");
            assertThat(first.getConfig()).contains("{\"ttl\":30}");
        }
    }

    protected String scope() {
        return scope;
    }

    private Dcs open() {
        return DcsLocation.parse(scheme() + "://" + store.hostPort() + "/" + scope).open(DcsSettings.defaults());
    }

    /** A member key as Patroni 3.0.2 writes it for a running node (ha.py, touch_member). */
    static Map<String, Object> patroniMember(int port, String role, int timeline) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("conn_url", "postgres://127.0.0.1:" + port + "/postgres");
        data.put("api_url", "http://127.0.0.1:8008/patroni");
        data.put("state", "running");
        data.put("role", role);
        data.put("version", "3.0.2");
        data.put("xlog_location", 50331808);
        data.put("timeline", timeline);
        return data;
    }

    static void awaitCondition(String what, Duration limit, BooleanSupplier condition) {
        new Poll(limit).until(what, condition);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
