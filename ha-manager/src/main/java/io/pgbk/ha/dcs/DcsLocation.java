/*
 * Where a cluster lives in a DCS, written as one URL-like string so that it fits a command-line
 * option or a configuration line:
 *
 *   etcd://HOST:PORT[,HOST:PORT...]/[NAMESPACE/]SCOPE
 *   consul://HOST:PORT[,HOST:PORT...]/[NAMESPACE/]SCOPE
 *
 * NAMESPACE and SCOPE are Patroni's settings of the same names (namespace defaults to
 * "service"), so the location of a Patroni cluster is read straight off its configuration.
 * Several etcd hosts are tried in turn; for Consul the usual single address is the local agent.
 * Credentials in the location are refused rather than parsed: they would end up in process
 * listings and logs.
 */
package io.pgbk.ha.dcs;

import io.pgbk.error.PgbkException;
import io.pgbk.ha.dcs.consul.ConsulDcs;
import io.pgbk.ha.dcs.etcd.EtcdDcs;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

public record DcsLocation(Kind kind, List<URI> endpoints, KeyLayout layout) {

    /** The supported stores, with the port each listens on unless told otherwise. */
    public enum Kind {
        ETCD(2379), CONSUL(8500);

        private final int defaultPort;

        Kind(int defaultPort) {
            this.defaultPort = defaultPort;
        }

        public String scheme() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final String SYNTAX = "expected etcd://HOST:PORT[,HOST:PORT...]/[NAMESPACE/]SCOPE"
            + " or consul://HOST:PORT/[NAMESPACE/]SCOPE";

    public DcsLocation {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("a DCS location needs at least one endpoint");
        }
    }

    public static DcsLocation parse(String text) {
        int schemeEnd = text.indexOf("://");
        if (schemeEnd < 0) {
            throw invalid(text);
        }
        Kind kind = kindOf(text.substring(0, schemeEnd), text);
        String rest = text.substring(schemeEnd + 3);
        if (rest.contains("?") || rest.contains("#")) {
            throw invalid(text);
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        if (authority.contains("@")) {
            throw new PgbkException("invalid DCS location: credentials in the location are not supported");
        }
        String[] path = slash < 0 ? new String[0] : rest.substring(slash + 1).replaceAll("^/+|/+$", "").split("/+");
        if (path.length == 0 || path.length > 2 || path[0].isEmpty()) {
            throw invalid(text);
        }
        List<URI> endpoints = new ArrayList<>();
        for (String hostPort : authority.split(",", -1)) {
            endpoints.add(endpoint(hostPort.strip(), kind, text));
        }
        KeyLayout layout = path.length == 1
                ? new KeyLayout(KeyLayout.DEFAULT_NAMESPACE, path[0])
                : new KeyLayout(path[0], path[1]);
        return new DcsLocation(kind, endpoints, layout);
    }

    public Dcs open() {
        return open(DcsSettings.defaults());
    }

    public Dcs open(DcsSettings settings) {
        return switch (kind) {
            case ETCD -> new EtcdDcs(endpoints, layout, settings);
            case CONSUL -> new ConsulDcs(endpoints, layout, settings);
        };
    }

    /** The location in the form {@link #parse} reads, with the namespace spelled out. */
    @Override
    public String toString() {
        String hosts = endpoints.stream().map(URI::getRawAuthority).collect(Collectors.joining(","));
        return kind.scheme() + "://" + hosts + "/" + layout.namespace() + "/" + layout.scope();
    }

    private static Kind kindOf(String scheme, String text) {
        for (Kind kind : Kind.values()) {
            if (kind.scheme().equalsIgnoreCase(scheme)) {
                return kind;
            }
        }
        throw invalid(text);
    }

    private static URI endpoint(String hostPort, Kind kind, String text) {
        try {
            URI uri = new URI("http://" + hostPort);
            if (uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty()
                    || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw invalid(text);
            }
            int port = uri.getPort() < 0 ? kind.defaultPort : uri.getPort();
            return new URI("http", null, uri.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            throw invalid(text);
        }
    }

    private static PgbkException invalid(String text) {
        return new PgbkException("invalid DCS location '" + text + "': " + SYNTAX);
    }
}
