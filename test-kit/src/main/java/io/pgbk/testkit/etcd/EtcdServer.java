package io.pgbk.testkit.etcd;

import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.LoopbackDaemon;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * A single-node etcd (Debian's {@code etcd-server}, 3.4) on loopback for tests of the DCS clients.
 * Its data directory survives {@link #stop()} and {@link #start()}, so a test can take etcd away
 * (an outage) and bring it back with its keys and leases as they were; {@link #close()} kills it
 * and deletes everything.
 *
 * <p>Ports come from {@link FreePorts}; should one be taken by the time etcd binds it, the first
 * start moves to new ports. Restarts keep the ports, since clients hold the endpoint.
 */
public final class EtcdServer implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final String NAME = "pgbk-test";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int PORT_ATTEMPTS = 5;
    private static final String PORT_TAKEN = "address already in use";

    private final LoopbackDaemon daemon;
    private final String binary;
    private volatile int clientPort;
    private volatile int peerPort;

    private EtcdServer() {
        this.binary = LoopbackDaemon.findBinary("etcd").toString();
        this.daemon = new LoopbackDaemon("etcd", "etcd");
    }

    /** A new, empty etcd, started and healthy. */
    public static EtcdServer start() {
        EtcdServer server = new EtcdServer();
        try {
            for (int attempt = 1; ; attempt++) {
                server.clientPort = FreePorts.next();
                server.peerPort = FreePorts.next();
                if (server.launch()) {
                    return server;
                }
                if (attempt == PORT_ATTEMPTS || !server.daemon.log().tail(20).contains(PORT_TAKEN)) {
                    throw new IllegalStateException("etcd exited while starting; its output:\n" + server.daemon.log().tail(40));
                }
            }
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** http://127.0.0.1:PORT, the client URL. */
    public URI endpoint() {
        return URI.create("http://" + hostPort());
    }

    /** 127.0.0.1:PORT, as a DCS location spells it. */
    public String hostPort() {
        return HOST + ":" + clientPort;
    }

    public boolean isRunning() {
        return daemon.isRunning();
    }

    /** Stops etcd (SIGTERM) keeping its data: clients now get "connection refused". */
    public void stop() {
        daemon.stop();
    }

    /** Starts etcd again on the same ports and data after {@link #stop()}, and waits until it is healthy. */
    public void restart() {
        if (!launch()) {
            throw new IllegalStateException("etcd exited while restarting; its output:\n" + daemon.log().tail(40));
        }
    }

    @Override
    public void close() {
        daemon.close();
    }

    private boolean launch() {
        String clientUrl = "http://" + HOST + ":" + clientPort;
        String peerUrl = "http://" + HOST + ":" + peerPort;
        List<String> command = List.of(binary,
                "--name", NAME,
                "--data-dir", daemon.home().resolve("data").toString(),
                "--listen-client-urls", clientUrl,
                "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", NAME + "=" + peerUrl,
                "--initial-cluster-state", "new",
                "--log-level", "warn",
                "--logger", "zap");
        return daemon.start(command, URI.create(clientUrl + "/health"), body -> body.contains("\"health\":\"true\""),
                START_TIMEOUT);
    }
}
