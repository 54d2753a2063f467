/*
 * The DCS on Consul's HTTP API. Consul has no leases: Patroni's equivalent, followed here, is
 * one session per member with behavior "delete", so that the keys a member acquired with its
 * session (its member key, the leader key) vanish when the session is invalidated. Consul
 * invalidates a session only some time between TTL and twice the TTL after the last renewal,
 * which is why the session gets half the member's TTL (and never less than Consul's minimum of
 * 10 s). Its lock-delay is 0: the default of 15 s would keep everyone from taking the leader
 * key for 15 s after a primary died.
 *
 * Keys carry no leading slash (service/<scope>/leader), values come base64-encoded, and a
 * change is awaited with a blocking query: a GET with ?index= returns once the key's index
 * passes the given one, or after ?wait=.
 */
package io.pgbk.ha.dcs.consul;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgbk.error.PgbkException;
import io.pgbk.ha.dcs.ClusterKey;
import io.pgbk.ha.dcs.ClusterView;
import io.pgbk.ha.dcs.Dcs;
import io.pgbk.ha.dcs.DcsHttpClient;
import io.pgbk.ha.dcs.DcsSettings;
import io.pgbk.ha.dcs.KeyLayout;
import io.pgbk.ha.dcs.StoredValue;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class ConsulDcs implements Dcs {

    private static final Logger LOG = LoggerFactory.getLogger(ConsulDcs.class);
    private static final long MIN_SESSION_TTL_SECONDS = 10;
    private static final String INDEX_HEADER = "X-Consul-Index";

    /** A member's session as created; ttl is the member's TTL, to notice when a caller changes it. */
    private record Session(String id, Duration ttl) {
    }

    /** One key as Consul returned it; version is its ModifyIndex, 0 when the key does not exist. */
    private record Entry(String value, String session, long version) {
        static final Entry ABSENT = new Entry("", "", 0);
    }

    /** Consul refused a write because the session it names is gone. */
    private static final class SessionExpired extends PgbkException {
        private static final long serialVersionUID = 1L;

        SessionExpired(String message) {
            super(message);
        }
    }

    private final DcsHttpClient http;
    private final KeyLayout layout;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    public ConsulDcs(List<URI> endpoints, KeyLayout layout, DcsSettings settings) {
        this.http = new DcsHttpClient("consul", endpoints, settings);
        this.layout = layout;
    }

    @Override
    public ClusterView readCluster() {
        String prefix = consulKey(layout.prefix());
        DcsHttpClient.Reply reply = http.send("GET", kvPath(prefix) + "?recurse=true", null);
        List<StoredValue> keys = new ArrayList<>();
        if (reply.status() != 404) {
            for (JsonNode node : json(expectOk(reply))) {
                String key = node.path("Key").asText();
                if (key.startsWith(prefix)) {
                    keys.add(new StoredValue(key.substring(prefix.length()), decode(node.path("Value")),
                            node.path("ModifyIndex").asLong()));
                }
            }
        }
        return ClusterView.of(index(reply), keys, mapper);
    }

    @Override
    public Optional<ClusterView> awaitLeaderChange(ClusterView known, Duration timeout) {
        String leaderPath = kvPath(consulKey(layout.path(ClusterKey.LEADER)));
        Instant deadline = http.settings().clock().instant().plus(timeout);
        long index = Math.max(1, known.index());
        for (Duration left = timeout; left.toMillis() > 0;
             left = Duration.between(http.settings().clock().instant(), deadline)) {
            // Consul adds up to wait/16 of jitter to a blocking query's wait.
            Duration requestTimeout = left.plus(left.dividedBy(16)).plus(http.settings().requestTimeout());
            DcsHttpClient.Reply reply = http.send("GET", leaderPath + "?index=" + index + "&wait=" + left.toMillis() + "ms",
                    null, requestTimeout);
            if (entry(reply).version() != known.leaderVersion()) {
                return Optional.of(readCluster());
            }
            // The index of a missing key is that of the whole KV store, which any write moves:
            // such a wake-up is not a change of the leader key, so wait on from the new index.
            // Consul asks clients to restart from 1 should the index ever go backwards.
            long next = index(reply);
            index = next < index ? 1 : Math.max(1, next);
        }
        return Optional.empty();
    }

    @Override
    public boolean attemptToAcquireLeader(String me, Duration ttl) {
        return withSession(me, ttl, session -> {
            boolean acquired = acquire(layout.path(ClusterKey.LEADER), me, session);
            if (acquired) {
                LOG.info("{} holds the leader key {}", me, layout.path(ClusterKey.LEADER));
            }
            return acquired;
        });
    }

    @Override
    public boolean refreshLeader(String me) {
        Session session = sessions.get(me);
        if (session == null || !renew(me, session)) {
            return false;
        }
        String key = layout.path(ClusterKey.LEADER);
        Entry leader = get(key);
        if (!leader.value().equals(me)) {
            return false;
        }
        if (leader.session().equals(session.id())) {
            return true;
        }
        // Still ours by name but acquired with an older session (the TTL changed): hand it over
        // to the current session while it still holds our name, as Patroni's _update_leader does.
        try {
            return delete(key, leader.version()) && acquire(key, me, session.id());
        } catch (SessionExpired e) {
            sessions.remove(me, session);
            return false;
        }
    }

    @Override
    public void releaseLeader(String me) {
        String key = layout.path(ClusterKey.LEADER);
        Entry leader = get(key);
        if (leader.value().equals(me) && delete(key, leader.version())) {
            LOG.info("{} released the leader key {}", me, key);
        }
    }

    @Override
    public void touchMember(String me, Map<String, Object> data, Duration ttl) {
        String key = layout.memberPath(me);
        String value = write(data);
        withSession(me, ttl, session -> {
            // A member key still held by this member's previous session (a restart) cannot be
            // acquired by the new one until it is deleted, as Patroni does in touch_member.
            if (!acquire(key, value, session) && !(delete(key, 0) && acquire(key, value, session))) {
                throw http.failure(consulKey(key) + " is held by another session");
            }
            return null;
        });
    }

    @Override
    public void leave(String me) {
        Session session = sessions.remove(me);
        if (session != null) {
            // With behavior "delete", destroying the session deletes every key it holds.
            expectOk(http.send("PUT", "/v1/session/destroy/" + session.id(), null));
            LOG.info("{} left: destroyed its session", me);
        }
    }

    @Override
    public boolean initialize(String sysid) {
        return put(kvPath(consulKey(layout.path(ClusterKey.INITIALIZE))) + "?cas=0", sysid);
    }

    @Override
    public void setConfig(String json) {
        put(kvPath(consulKey(layout.path(ClusterKey.CONFIG))), json);
    }

    @Override
    public void close() {
        http.close();
    }

    private <T> T withSession(String me, Duration ttl, Function<String, T> write) {
        try {
            return write.apply(session(me, ttl).id());
        } catch (SessionExpired e) {
            sessions.remove(me);
            LOG.warn("the session of {} expired in Consul; creating a new one", me);
            return write.apply(session(me, ttl).id());
        }
    }

    /** The member's live session: the current one renewed, or a new one if there is none or the TTL changed. */
    private Session session(String me, Duration ttl) {
        Session current = sessions.get(me);
        if (current != null && current.ttl().equals(ttl) && renew(me, current)) {
            return current;
        }
        long seconds = Math.max(MIN_SESSION_TTL_SECONDS, (ttl.toMillis() / 2 + 999) / 1000);
        ObjectNode request = mapper.createObjectNode()
                .put("Name", layout.scope() + "-" + me)
                .put("TTL", seconds + "s")
                .put("LockDelay", "0s")
                .put("Behavior", "delete");
        // No checks: the default serfHealth check would tie the session to the Consul agent's
        // node rather than to this member.
        request.putArray("Checks");
        String id = json(expectOk(http.send("PUT", "/v1/session/create", request.toString()))).path("ID").asText();
        Session created = new Session(id, ttl);
        LOG.debug("created session {} with TTL {} s for {}", id, seconds, me);
        sessions.put(me, created);
        return created;
    }

    /** Renews the session; false (and forgotten) if Consul no longer has it. */
    private boolean renew(String me, Session session) {
        DcsHttpClient.Reply reply = http.send("PUT", "/v1/session/renew/" + session.id(), null);
        if (reply.status() == 404) {
            LOG.warn("the session of {} expired in Consul", me);
            sessions.remove(me, session);
            return false;
        }
        expectOk(reply);
        return true;
    }

    private boolean acquire(String key, String value, String session) {
        return put(kvPath(consulKey(key)) + "?acquire=" + session, value);
    }

    /** Deletes the key if its ModifyIndex is still {@code version}; 0 deletes it whatever it holds. */
    private boolean delete(String key, long version) {
        String cas = version == 0 ? "" : "?cas=" + version;
        return "true".equals(expectOk(http.send("DELETE", kvPath(consulKey(key)) + cas, null)).body().strip());
    }

    private boolean put(String pathAndQuery, String value) {
        return "true".equals(expectOk(http.send("PUT", pathAndQuery, value)).body().strip());
    }

    private Entry get(String key) {
        return entry(http.send("GET", kvPath(consulKey(key)), null));
    }

    private Entry entry(DcsHttpClient.Reply reply) {
        if (reply.status() == 404) {
            return Entry.ABSENT;
        }
        JsonNode node = json(expectOk(reply)).path(0);
        return new Entry(decode(node.path("Value")), node.path("Session").asText(""), node.path("ModifyIndex").asLong());
    }

    private DcsHttpClient.Reply expectOk(DcsHttpClient.Reply reply) {
        if (reply.status() == 200) {
            return reply;
        }
        String message = reply.body().isBlank() ? "HTTP status " + reply.status() : reply.body();
        if (message.contains("invalid session")) {
            throw new SessionExpired(message);
        }
        throw http.failure(message);
    }

    private JsonNode json(DcsHttpClient.Reply reply) {
        try {
            return mapper.readTree(reply.body());
        } catch (JsonProcessingException e) {
            throw http.failure("answered something that is not JSON: " + reply.body());
        }
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static long index(DcsHttpClient.Reply reply) {
        return reply.headers().firstValueAsLong(INDEX_HEADER).orElse(0);
    }

    private static String decode(JsonNode value) {
        return value.isNull() || value.isMissingNode()
                ? ""
                : new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8);
    }

    /** Consul's KV paths have no leading slash: /service/batman/leader is service/batman/leader. */
    private static String consulKey(String layoutPath) {
        return layoutPath.substring(1);
    }

    /** The KV endpoint of a key, each segment percent-encoded so that member names cannot escape their key. */
    private static String kvPath(String key) {
        String encoded = Arrays.stream(key.split("/", -1))
                .map(segment -> URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("/"));
        return "/v1/kv/" + encoded;
    }
}
