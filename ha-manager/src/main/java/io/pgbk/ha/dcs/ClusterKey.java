/*
 * The keys Patroni keeps under /<namespace>/<scope>/. Using its names exactly is what lets pgbk
 * read a cluster that Patroni runs and lets Patroni's tools (patronictl, HAProxy checks against
 * either agent) read a cluster that pgbk runs.
 */
package io.pgbk.ha.dcs;

public enum ClusterKey {
    /** The member name of the primary; exists only while its owner keeps its lease or session. */
    LEADER("leader"),
    /** Written once by the member that bootstrapped the cluster: its system identifier. */
    INITIALIZE("initialize"),
    /** Dynamic configuration (ttl, loop_wait, postgresql parameters, permanent slots) as JSON. */
    CONFIG("config"),
    /** The leader's last known LSN and its slots' positions as JSON. */
    STATUS("status"),
    /** Synchronous replication state as JSON ({"leader": ..., "sync_standby": ...}). */
    SYNC("sync"),
    /** Timeline history as a JSON list of [timeline, lsn, reason, time, new leader]. */
    HISTORY("history"),
    /** A requested switchover or failover as JSON ({"leader": ..., "member": ...}). */
    FAILOVER("failover"),
    /** Patroni's topology snapshot used by failsafe mode. */
    FAILSAFE("failsafe");

    private final String key;

    ClusterKey(String key) {
        this.key = key;
    }

    /** The key's name below the cluster prefix. */
    public String key() {
        return key;
    }
}
