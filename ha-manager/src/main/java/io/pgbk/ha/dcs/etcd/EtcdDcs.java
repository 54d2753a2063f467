/*
 * The DCS on etcd v3, through the JSON gateway that every etcd 3.4+ serves next to gRPC, so
 * that pgbk needs no gRPC stack: keys and values travel base64-encoded, 64-bit numbers as
 * strings, and fields holding their default value (0, false, empty) are left out of answers.
 *
 * As in Patroni's etcd3 module, each member owns one lease with its TTL; its member key and,
 * on the primary, the leader key are attached to it, and keeping the lease alive keeps both.
 * Races are settled by transactions: the leader key is created only if its create_revision is
 * 0 (it does not exist), and changed or deleted only if it still holds the member's name.
 */
package io.pgbk.ha.dcs.etcd;

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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class EtcdDcs implements Dcs {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdDcs.class);
    private static final String LEASE_NOT_FOUND = "requested lease not found";

    /** A member's lease as granted; ttl is what was asked for, to notice when a caller changes it. */
    private record Lease(String id, Duration ttl) {
    }

    /** etcd refused a write because the lease it names has expired since we last kept it alive. */
    private static final class LeaseExpired extends PgbkException {
        private static final long serialVersionUID = 1L;

        LeaseExpired(String message) {
            super(message);
        }
    }

    private final DcsHttpClient http;
    private final KeyLayout layout;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();

    public EtcdDcs(List<URI> endpoints, KeyLayout layout, DcsSettings settings) {
        this.http = new DcsHttpClient("etcd", endpoints, settings);
        this.layout = layout;
    }

    @Override
    public ClusterView readCluster() {
        String prefix = layout.prefix();
        JsonNode answer = call("/v3/kv/range", rangeOf(prefix).put("range_end", prefixEnd(prefix)));
        List<StoredValue> keys = new ArrayList<>();
        for (JsonNode kv : answer.path("kvs")) {
            String key = text(kv.path("key"));
            if (key.startsWith(prefix)) {
                keys.add(new StoredValue(key.substring(prefix.length()), text(kv.path("value")), number(kv, "mod_revision")));
            }
        }
        return ClusterView.of(number(answer.path("header"), "revision"), keys, mapper);
    }

    @Override
    public Optional<ClusterView> awaitLeaderChange(ClusterView known, Duration timeout) {
        try (EtcdWatch watch = EtcdWatch.start(http, mapper, layout.path(ClusterKey.LEADER), known.index() + 1)) {
            return watch.awaitEvent(timeout) ? Optional.of(readCluster()) : Optional.empty();
        }
    }

    @Override
    public boolean attemptToAcquireLeader(String me, Duration ttl) {
        String key = layout.path(ClusterKey.LEADER);
        return withLease(me, ttl, lease -> {
            ObjectNode txn = mapper.createObjectNode();
            txn.putArray("compare").addObject()
                    .put("key", base64(key)).put("target", "CREATE").put("create_revision", "0");
            txn.putArray("success").addObject().set("request_put", putOf(key, me, lease));
            txn.putArray("failure").addObject().set("request_range", rangeOf(key));
            JsonNode answer = call("/v3/kv/txn", txn);
            if (answer.path("succeeded").asBoolean(false)) {
                LOG.info("{} took the leader key {}", me, key);
                return true;
            }
            JsonNode holder = answer.path("responses").path(0).path("response_range").path("kvs").path(0);
            return isHeldBy(holder, me, lease);
        });
    }

    @Override
    public boolean refreshLeader(String me) {
        Lease lease = leases.get(me);
        if (lease == null || !keepAlive(me, lease)) {
            return false;
        }
        String key = layout.path(ClusterKey.LEADER);
        JsonNode holder = call("/v3/kv/range", rangeOf(key)).path("kvs").path(0);
        if (isHeldBy(holder, me, lease.id())) {
            return true;
        }
        if (!me.equals(text(holder.path("value")))) {
            return false;
        }
        // Still ours by name but attached to an older lease (the TTL changed): move it to the
        // current lease while it still holds our name, as Patroni's _update_leader does.
        try {
            return txnIfValue(key, me, putOf(key, me, lease.id()), "request_put");
        } catch (LeaseExpired e) {
            leases.remove(me, lease);
            return false;
        }
    }

    @Override
    public void releaseLeader(String me) {
        String key = layout.path(ClusterKey.LEADER);
        if (txnIfValue(key, me, rangeOf(key), "request_delete_range")) {
            LOG.info("{} released the leader key {}", me, key);
        }
    }

    @Override
    public void touchMember(String me, Map<String, Object> data, Duration ttl) {
        String value = json(data);
        withLease(me, ttl, lease -> call("/v3/kv/put", putOf(layout.memberPath(me), value, lease)));
    }

    @Override
    public void leave(String me) {
        Lease lease = leases.remove(me);
        if (lease != null) {
            // Revoking deletes every key attached to the lease in one step.
            call("/v3/lease/revoke", mapper.createObjectNode().put("ID", lease.id()));
            LOG.info("{} left: revoked its lease", me);
        }
    }

    @Override
    public boolean initialize(String sysid) {
        String key = layout.path(ClusterKey.INITIALIZE);
        ObjectNode txn = mapper.createObjectNode();
        txn.putArray("compare").addObject().put("key", base64(key)).put("target", "CREATE").put("create_revision", "0");
        txn.putArray("success").addObject().set("request_put", putOf(key, sysid, null));
        return call("/v3/kv/txn", txn).path("succeeded").asBoolean(false);
    }

    @Override
    public void setConfig(String json) {
        call("/v3/kv/put", putOf(layout.path(ClusterKey.CONFIG), json, null));
    }

    @Override
    public void close() {
        http.close();
    }

    /**
     * Runs a write that names the member's lease. Should the lease expire between being kept
     * alive and being used (a process paused for longer than the TTL), a new one is granted and
     * the write tried once more, as Patroni does on LeaseNotFound.
     */
    private <T> T withLease(String me, Duration ttl, Function<String, T> write) {
        try {
            return write.apply(lease(me, ttl).id());
        } catch (LeaseExpired e) {
            leases.remove(me);
            LOG.warn("the lease of {} expired in etcd; granting a new one", me);
            return write.apply(lease(me, ttl).id());
        }
    }

    /** The member's live lease: the current one kept alive, or a new one if there is none or the TTL changed. */
    private Lease lease(String me, Duration ttl) {
        Lease current = leases.get(me);
        if (current != null && current.ttl().equals(ttl) && keepAlive(me, current)) {
            return current;
        }
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        ObjectNode grant = mapper.createObjectNode().put("TTL", seconds);
        Lease granted = new Lease(call("/v3/lease/grant", grant).path("ID").asText(), ttl);
        LOG.debug("granted lease {} with TTL {} s to {}", granted.id(), seconds, me);
        leases.put(me, granted);
        return granted;
    }

    /** Extends the lease; false (and forgotten) if etcd no longer has it. */
    private boolean keepAlive(String me, Lease lease) {
        JsonNode answer = call("/v3/lease/keepalive", mapper.createObjectNode().put("ID", lease.id()));
        if (number(answer.path("result"), "TTL") > 0) {
            return true;
        }
        LOG.warn("the lease of {} expired in etcd", me);
        leases.remove(me, lease);
        return false;
    }

    /** A transaction doing {@code request} only while {@code key} holds {@code value}; true if it ran. */
    private boolean txnIfValue(String key, String value, ObjectNode request, String requestType) {
        ObjectNode txn = mapper.createObjectNode();
        txn.putArray("compare").addObject().put("key", base64(key)).put("target", "VALUE").put("value", base64(value));
        txn.putArray("success").addObject().set(requestType, request);
        return call("/v3/kv/txn", txn).path("succeeded").asBoolean(false);
    }

    private static boolean isHeldBy(JsonNode kv, String me, String leaseId) {
        return me.equals(text(kv.path("value"))) && leaseId.equals(kv.path("lease").asText());
    }

    private JsonNode call(String path, ObjectNode request) {
        DcsHttpClient.Reply reply = http.send("POST", path, json(request));
        JsonNode answer = parse(reply.body());
        if (reply.status() == 200) {
            return answer;
        }
        String message = answer.path("message").asText(reply.body());
        if (message.contains(LEASE_NOT_FOUND)) {
            throw new LeaseExpired(message);
        }
        throw http.failure(message);
    }

    private JsonNode parse(String body) {
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw http.failure("answered something that is not JSON: " + body);
        }
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private ObjectNode rangeOf(String key) {
        return mapper.createObjectNode().put("key", base64(key));
    }

    private ObjectNode putOf(String key, String value, String leaseId) {
        ObjectNode put = mapper.createObjectNode().put("key", base64(key)).put("value", base64(value));
        if (leaseId != null) {
            put.put("lease", leaseId);
        }
        return put;
    }

    /**
     * The end of a prefix range, base64-encoded: the smallest key after every key that starts
     * with {@code prefix}, which is the prefix with its last byte raised.
     */
    static String prefixEnd(String prefix) {
        byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 1]++;
        return Base64.getEncoder().encodeToString(bytes);
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A base64 field's text; a missing field is etcd's way of saying "empty". */
    static String text(JsonNode base64Field) {
        return base64Field.isMissingNode() || base64Field.isNull()
                ? ""
                : new String(Base64.getDecoder().decode(base64Field.asText()), StandardCharsets.UTF_8);
    }

    /** A 64-bit number that the gateway sends as a string, or leaves out when it is 0. */
    static long number(JsonNode parent, String field) {
        return parent.path(field).asLong(0);
    }
}
