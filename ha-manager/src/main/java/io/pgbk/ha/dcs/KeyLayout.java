/*
 * Patroni's key layout for one cluster: everything lives under /<namespace>/<scope>/, members
 * under members/<name>. Patroni squeezes repeated slashes, so "service", "/service/" and
 * "service/" are one namespace; pgbk does the same so both agree on every key.
 */
package io.pgbk.ha.dcs;

import java.util.Objects;
import java.util.Optional;

public record KeyLayout(String namespace, String scope) {

    public static final String DEFAULT_NAMESPACE = "service";
    private static final String MEMBERS = "members/";

    public KeyLayout {
        namespace = trimSlashes(Objects.requireNonNull(namespace, "namespace"));
        scope = trimSlashes(Objects.requireNonNull(scope, "scope"));
        if (scope.isEmpty()) {
            throw new IllegalArgumentException("the cluster scope must not be empty");
        }
    }

    /** "/service/batman/": the prefix that holds the whole cluster (etcd spelling). */
    public String prefix() {
        return ("/" + namespace + "/" + scope + "/").replaceAll("/+", "/");
    }

    public String path(ClusterKey key) {
        return prefix() + key.key();
    }

    public String memberPath(String member) {
        return prefix() + MEMBERS + member;
    }

    /** The member name if {@code relativeKey} (a key below {@link #prefix()}) is a member key. */
    public static Optional<String> memberName(String relativeKey) {
        if (relativeKey.startsWith(MEMBERS)) {
            String name = relativeKey.substring(MEMBERS.length());
            if (!name.isEmpty() && name.indexOf('/') < 0) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    private static String trimSlashes(String value) {
        return value.replaceAll("/+", "/").replaceAll("^/|/$", "");
    }
}
