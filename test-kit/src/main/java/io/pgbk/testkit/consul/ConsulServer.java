package io.pgbk.testkit.consul;

import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.LoopbackServer;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A Consul agent in development mode (one server, in memory, Debian 11's 1.8.7) on loopback for
 * tests of the DCS clients. DNS and gRPC are switched off; the HTTP, Serf and server RPC ports
 * come from {@link FreePorts}. Ready means elected: the KV store and sessions refuse requests
 * until the agent has a leader.
 *
 * <p>Development mode keeps nothing on disk, so {@link #restart()} after {@link #stop()} brings
 * back an empty store, as after losing the whole Consul cluster; sessions and keys are gone.
 */
public final class ConsulServer extends LoopbackServer {

    /** The agent's node in /v1/catalog/nodes, which Consul 1.8 prints indented. */
    private static final Pattern REGISTERED_NODE = Pattern.compile("\"Node\":\\s*\"pgbk-test-");

    private ConsulServer() {
        super("consul");
    }

    /** A new Consul agent, started and with a leader. */
    public static ConsulServer start() {
        ConsulServer server = new ConsulServer();
        server.startOnFreePorts(4);
        return server;
    }

    @Override
    protected List<String> command(String binary, int[] ports, Path home) {
        return List.of(binary, "agent", "-dev",
                "-node", "pgbk-test-" + ports[0],
                "-bind", HOST,
                "-client", HOST,
                "-http-port", Integer.toString(ports[0]),
                "-dns-port", "-1",
                "-grpc-port", "-1",
                "-serf-lan-port", Integer.toString(ports[1]),
                "-serf-wan-port", Integer.toString(ports[2]),
                "-server-port", Integer.toString(ports[3]),
                "-log-level", "warn");
    }

    /**
     * Ready once the agent's own node is in the catalog: a leader alone is not enough, since a
     * session asked for before the node's registration fails with "Missing node registration"
     * (seen after a restart). The catalog answers an error until a leader is elected.
     */
    @Override
    protected String probePath() {
        return "/v1/catalog/nodes";
    }

    @Override
    protected Predicate<String> isReady() {
        return body -> REGISTERED_NODE.matcher(body).find();
    }
}
