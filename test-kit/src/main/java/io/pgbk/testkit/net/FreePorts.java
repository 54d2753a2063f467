package io.pgbk.testkit.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback TCP ports for servers that tests start as separate processes.
 *
 * <p>Binding port 0 is not enough: the server binds later, in another process, and in the meantime
 * another test (or another surefire fork) may be handed the same port. So ports come from a range
 * below the kernel's ephemeral range (where outgoing connections never take them), each JVM walks
 * that range from its own random starting point (parallel forks rarely meet), a port is checked
 * free by binding it, and no port is handed out twice in one JVM. A server that still fails to bind
 * asks for another port.
 *
 * <p>The set of handed-out ports is process-wide state on purpose: its only job is to be shared by
 * every test in the JVM.
 */
public final class FreePorts {

    private static final int FIRST = 10_000;
    private static final int END = 32_768;
    private static final int RANGE = END - FIRST;

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger CURSOR = new AtomicInteger(ThreadLocalRandom.current().nextInt(RANGE));

    private FreePorts() {
    }

    /** A loopback port that is free now and that this JVM has not handed out before. */
    public static int next() {
        for (int attempt = 0; attempt < RANGE; attempt++) {
            int port = FIRST + Math.floorMod(CURSOR.getAndIncrement(), RANGE);
            if (isFree(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + FIRST + " and " + (END - 1));
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }
}
