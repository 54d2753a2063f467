/*
 * The distributed configuration store as pgbk uses it, after Patroni's AbstractDCS: one cluster
 * (namespace and scope) in etcd v3 or Consul, with Patroni's key layout so that pgbk and Patroni
 * read and write the same keys.
 *
 * Liveness works as in Patroni. Each member owns one expiring handle in the store, an etcd
 * lease or a Consul session, created on its first write with the member's TTL and kept alive by
 * each later call. Its member key and, on the primary, the leader key hang on that handle: a
 * member that stops calling loses both once the TTL runs out, which is what lets another
 * member take over, and what keeps two primaries from both holding the key.
 *
 * Every method either answers or throws PgbkException with one line naming the store; none
 * waits longer than the request timeout, except the watch, which waits as long as asked.
 */
package io.pgbk.ha.dcs;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

public interface Dcs extends AutoCloseable {

    /** All keys of the cluster, read at one point in time. */
    ClusterView readCluster();

    /** The leader's member entry, or empty while no member holds the leader key. */
    default Optional<Member> leader() {
        return readCluster().leader();
    }

    /**
     * Blocks until the leader key changes after {@code known} was read (created, deleted, or
     * written by a new owner) and returns the cluster as it is then; empty if it did not change
     * within {@code timeout}.
     */
    Optional<ClusterView> awaitLeaderChange(ClusterView known, Duration timeout);

    /**
     * Creates the leader key for {@code me} unless it exists. True if {@code me} holds the key
     * afterwards, also when it already did; false if another member holds it.
     */
    boolean attemptToAcquireLeader(String me, Duration ttl);

    /**
     * Extends {@code me}'s hold on the leader key by another TTL. False if {@code me} lost it
     * (its lease or session expired, or it never took the key through this client): a primary
     * that gets false must stop acting as the primary.
     */
    boolean refreshLeader(String me);

    /** Deletes the leader key if {@code me} holds it, so that the others need not wait for the TTL. */
    void releaseLeader(String me);

    /** Writes {@code me}'s member key (Patroni's JSON) tied to its lease or session. */
    void touchMember(String me, Map<String, Object> data, Duration ttl);

    /**
     * Ends {@code me}'s lease or session, so that its member key and, if it holds it, the leader
     * key disappear now instead of one TTL later: for a member that leaves the cluster for good.
     */
    void leave(String me);

    /**
     * The race to bootstrap: writes the initialize key with the system identifier if nobody has.
     * True if this call wrote it.
     */
    boolean initialize(String sysid);

    /** The dynamic configuration as Patroni's JSON document. */
    default Optional<String> getConfig() {
        return readCluster().value(ClusterKey.CONFIG);
    }

    void setConfig(String json);

    /** Releases the HTTP client. Leases and sessions are left to expire: closing is not resigning. */
    @Override
    void close();
}
