package io.pgbk.testkit.os;

import io.pgbk.testkit.net.FreePorts;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * A server binary on loopback ports for tests (etcd, Consul): started on free ports, moved to new
 * ports should one be taken by the time it binds, ready once its HTTP probe answers as expected,
 * and stoppable and restartable on the same ports, since clients hold its endpoint. The first
 * port is the client port that {@link #endpoint()} and {@link #hostPort()} name.
 */
public abstract class LoopbackServer implements AutoCloseable {

    protected static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int PORT_ATTEMPTS = 5;
    private static final String PORT_TAKEN = "address already in use";

    private final String what;
    private final String binary;
    private final LoopbackDaemon daemon;
    private volatile int[] ports;

    protected LoopbackServer(String what) {
        this.what = what;
        this.binary = LoopbackDaemon.findBinary(what).toString();
        this.daemon = new LoopbackDaemon(what, what);
    }

    /** The command line that runs the server on these ports, the client port first. */
    protected abstract List<String> command(String binary, int[] ports, Path home);

    /** The path of the readiness probe under {@link #endpoint()}, and what its body says when ready. */
    protected abstract String probePath();

    protected abstract Predicate<String> isReady();

    /** Starts on portCount free ports and waits until ready; closes itself when that fails. */
    protected final void startOnFreePorts(int portCount) {
        try {
            for (int attempt = 1; ; attempt++) {
                int[] candidate = new int[portCount];
                for (int i = 0; i < portCount; i++) {
                    candidate[i] = FreePorts.next();
                }
                ports = candidate;
                if (launch()) {
                    return;
                }
                if (attempt == PORT_ATTEMPTS || !daemon.log().tail(20).contains(PORT_TAKEN)) {
                    throw new IllegalStateException(what + " exited while starting; its output:\n" + daemon.log().tail(40));
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** http://127.0.0.1:PORT, the client URL. */
    public final URI endpoint() {
        return URI.create("http://" + hostPort());
    }

    /** 127.0.0.1:PORT, as a DCS location spells it. */
    public final String hostPort() {
        return HOST + ":" + ports[0];
    }

    public final boolean isRunning() {
        return daemon.isRunning();
    }

    /** Stops the server (SIGTERM): clients now get "connection refused". */
    public final void stop() {
        daemon.stop();
    }

    /** Starts the server again on the same ports after {@link #stop()} and waits until it is ready. */
    public final void restart() {
        if (!launch()) {
            throw new IllegalStateException(what + " exited while restarting; its output:\n" + daemon.log().tail(40));
        }
    }

    @Override
    public final void close() {
        daemon.close();
    }

    private boolean launch() {
        return daemon.start(command(binary, ports, daemon.home()), URI.create(endpoint() + probePath()), isReady(),
                START_TIMEOUT);
    }
}
