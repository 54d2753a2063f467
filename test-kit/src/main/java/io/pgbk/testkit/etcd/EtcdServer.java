package io.pgbk.testkit.etcd;

import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.LoopbackServer;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * A single-node etcd (Debian's {@code etcd-server}, 3.4) on loopback for tests of the DCS clients.
 * Its data directory survives {@link #stop()} and {@link #start()}, so a test can take etcd away
 * (an outage) and bring it back with its keys and leases as they were; {@link #close()} kills it
 * and deletes everything.
 *
 * <p>Ports come from {@link FreePorts}; should one be taken by the time etcd binds it, the first
 * start moves to new ports. Restarts keep the ports, since clients hold the endpoint.
 */
public final class EtcdServer extends LoopbackServer {

    private static final String NAME = "pgbk-test";

    private EtcdServer() {
        super("etcd");
    }

    /** A new, empty etcd, started and healthy. */
    public static EtcdServer start() {
        EtcdServer server = new EtcdServer();
        server.startOnFreePorts(2);
        return server;
    }

    @Override
    protected List<String> command(String binary, int[] ports, Path home) {
        String clientUrl = "http://" + HOST + ":" + ports[0];
        String peerUrl = "http://" + HOST + ":" + ports[1];
        return List.of(binary,
                "--name", NAME,
                "--data-dir", home.resolve("data").toString(),
                "--listen-client-urls", clientUrl,
                "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", NAME + "=" + peerUrl,
                "--initial-cluster-state", "new",
                "--log-level", "warn",
                "--logger", "zap");
    }

    @Override
    protected String probePath() {
        return "/health";
    }

    @Override
    protected Predicate<String> isReady() {
        return body -> body.contains("\"health\":\"true\"");
    }
}
