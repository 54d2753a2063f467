package io.pgbk.testkit.consul;

import io.pgbk.testkit.os.LoopbackDaemon;
import io.pgbk.testkit.net.FreePorts;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * A Consul agent in development mode (one server, in memory, Debian 11's 1.8.7) on loopback for
 * tests of the DCS clients. DNS and gRPC are switched off; the HTTP, Serf and server RPC ports
 * come from {@link FreePorts}. Ready means elected: the KV store and sessions refuse requests
 * until the agent has a leader.
 *
 * <p>Development mode keeps nothing on disk, so {@link #restart()} after {@link #stop()} brings
 * back an empty store, as after losing the whole Consul cluster; sessions and keys are gone.
 */
public final class ConsulServer implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int PORT_ATTEMPTS = 5;
    private static final String PORT_TAKEN = "address already in use";

    private final LoopbackDaemon daemon;
    private final String binary;
    private volatile int httpPort;
    private volatile int serfLanPort;
    private volatile int serfWanPort;
    private volatile int serverPort;

    private ConsulServer() {
        this.binary = LoopbackDaemon.findBinary("consul").toString();
        this.daemon = new LoopbackDaemon("consul", "consul");
    }

    /** A new Consul agent, started and with a leader. */
    public static ConsulServer start() {
        ConsulServer server = new ConsulServer();
        try {
            for (int attempt = 1; ; attempt++) {
                server.httpPort = FreePorts.next();
                server.serfLanPort = FreePorts.next();
                server.serfWanPort = FreePorts.next();
                server.serverPort = FreePorts.next();
                if (server.launch()) {
                    return server;
                }
                if (attempt == PORT_ATTEMPTS || !server.daemon.log().tail(20).contains(PORT_TAKEN)) {
                    throw new IllegalStateException("consul exited while starting; its output:\n" + server.daemon.log().tail(40));
                }
            }
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** http://127.0.0.1:PORT, the HTTP API. */
    public URI endpoint() {
        return URI.create("http://" + hostPort());
    }

    /** 127.0.0.1:PORT, as a DCS location spells it. */
    public String hostPort() {
        return HOST + ":" + httpPort;
    }

    public boolean isRunning() {
        return daemon.isRunning();
    }

    /** Stops the agent (SIGTERM): clients now get "connection refused". */
    public void stop() {
        daemon.stop();
    }

    /** Starts the agent again on the same ports after {@link #stop()}, empty, and waits until it has a leader. */
    public void restart() {
        if (!launch()) {
            throw new IllegalStateException("consul exited while restarting; its output:\n" + daemon.log().tail(40));
        }
    }

    @Override
    public void close() {
        daemon.close();
    }

    private boolean launch() {
        List<String> command = List.of(binary, "agent", "-dev",
                "-node", "pgbk-test-" + httpPort,
                "-bind", HOST,
                "-client", HOST,
                "-http-port", Integer.toString(httpPort),
                "-dns-port", "-1",
                "-grpc-port", "-1",
                "-serf-lan-port", Integer.toString(serfLanPort),
                "-serf-wan-port", Integer.toString(serfWanPort),
                "-server-port", Integer.toString(serverPort),
                "-log-level", "warn");
        // /v1/status/leader answers "" (with the quotes) until a leader is elected.
        return daemon.start(command, URI.create(endpoint() + "/v1/status/leader"), body -> body.strip().length() > 2,
                START_TIMEOUT);
    }
}
