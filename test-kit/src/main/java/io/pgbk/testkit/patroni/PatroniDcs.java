package io.pgbk.testkit.patroni;

import io.pgbk.testkit.consul.ConsulServer;
import io.pgbk.testkit.etcd.EtcdServer;

/**
 * The DCS a test's Patroni cluster runs on: Patroni's configuration section for it, the TTL it
 * allows (Patroni asks Consul for sessions of ttl/2, and Consul accepts 10 s at least), and
 * pgbk's location of the cluster in it.
 */
public record PatroniDcs(String patroniSection, int ttl, String location) {

    public static PatroniDcs etcd(EtcdServer etcd, String scope) {
        return new PatroniDcs("etcd3:\n  hosts: " + etcd.hostPort() + "\n", 10,
                "etcd://" + etcd.hostPort() + "/service/" + scope);
    }

    public static PatroniDcs consul(ConsulServer consul, String scope) {
        return new PatroniDcs("consul:\n  host: " + consul.hostPort() + "\n", 20,
                "consul://" + consul.hostPort() + "/service/" + scope);
    }
}
