/*
 * One key of a cluster as a backend read it: the key relative to the cluster prefix, its value
 * as text, and the backend's modification counter (etcd's mod_revision, Consul's ModifyIndex).
 * Both backends reduce their answers to this so that one piece of code builds the cluster view.
 */
package io.pgbk.ha.dcs;

public record StoredValue(String relativeKey, String value, long version) {
}
