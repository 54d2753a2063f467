/*
 * A loopback TCP proxy in front of a server, for injecting network faults into a real client
 * talking to a real server: connection resets after a chosen number of bytes has gone upstream
 * (client to server), a reset in place of the server's next answer (the request was carried
 * out, the client never hears so), a lasting outage, or refused connections. Tests use it to break an upload
 * in the middle, deterministically, by byte count rather than by timing.
 *
 * A reset is a TCP RST (SO_LINGER 0 then close) on both sides, which is what a client sees when
 * a load balancer or server dies. "Refused" connections are accepted and reset at once: the
 * listening port stays bound, so the proxy can recover on the same address.
 */
package io.pgbk.testkit.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

public final class FaultyTcpProxy implements AutoCloseable {

    private static final int MAX_THREADS = 64;

    private enum Mode { FORWARD, RESET_ONCE, LOSE_ANSWER_ONCE, FAIL, REFUSE }

    private final int targetPort;
    private final ServerSocket listener;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong upstreamBytes = new AtomicLong();
    private final AtomicInteger resets = new AtomicInteger();
    private Mode mode = Mode.FORWARD;
    private long threshold;
    private long countedFrom;

    private FaultyTcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        AtomicInteger counter = new AtomicInteger();
        String name = "faulty-proxy-" + listener.getLocalPort() + "-";
        ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, name + counter.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        this.threads = pool;
        threads.execute(this::acceptLoop);
    }

    /** A proxy on a free loopback port that forwards to targetPort on loopback. */
    public static FaultyTcpProxy to(int targetPort) {
        try {
            return new FaultyTcpProxy(targetPort);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a proxy port", e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Forwards everything again, after a fault. */
    public synchronized void forward() {
        mode = Mode.FORWARD;
    }

    /**
     * Once bytes more bytes have gone upstream, resets every open connection, then forwards
     * again: a single network blip that a client with retries should survive.
     */
    public synchronized void resetOnceAfter(long bytes) {
        arm(Mode.RESET_ONCE, bytes);
    }

    /**
     * Once bytes more bytes have gone upstream, resets every open connection when the server's
     * next answer arrives instead of passing it on, then forwards again: the server did what was
     * asked (a request of at least that size), the client sees a reset.
     */
    public synchronized void loseAnswerAfter(long bytes) {
        arm(Mode.LOSE_ANSWER_ONCE, bytes);
    }

    /**
     * Once bytes more bytes have gone upstream, resets every open connection and every new one
     * until forward() is called: an outage that starts in the middle of a transfer.
     */
    public synchronized void failAfter(long bytes) {
        arm(Mode.FAIL, bytes);
    }

    /** Resets every open connection and every new one until forward() is called. */
    public synchronized void refuse() {
        mode = Mode.REFUSE;
        resetAll();
    }

    /** How many times connections were reset by a fault so far (a refused connection counts). */
    public int resets() {
        return resets.get();
    }

    /** Total bytes forwarded from clients to the server. */
    public long upstreamBytes() {
        return upstreamBytes.get();
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        resetAll();
        threads.shutdownNow();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void arm(Mode armed, long bytes) {
        mode = armed;
        threshold = bytes;
        countedFrom = upstreamBytes.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                continue; // closed: the loop ends
            }
            if (refusing()) {
                resets.incrementAndGet();
                reset(client);
                continue;
            }
            Socket server;
            try {
                server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            } catch (IOException e) {
                reset(client); // the target is down: so is the proxy
                continue;
            }
            open.add(client);
            open.add(server);
            threads.execute(() -> pump(client, server, true));
            threads.execute(() -> pump(server, client, false));
        }
    }

    private synchronized boolean refusing() {
        return mode == Mode.REFUSE || (mode == Mode.FAIL && faultDue());
    }

    /** Copies one direction; when either direction ends, the connection ends on both sides. */
    private void pump(Socket from, Socket to, boolean upstream) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!upstream && answerToLose()) {
                    resetAll();
                    return;
                }
                int allowed = upstream ? allowUpstream(n) : n;
                out.write(buffer, 0, allowed);
                if (upstream && faultDue()) {
                    trip();
                    return;
                }
            }
        } catch (IOException e) {
            // a reset or close on either side ends this direction
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    /** How many of n bytes may pass before a fault due at a byte count trips. */
    private synchronized int allowUpstream(int n) {
        long passed = upstreamBytes.get() - countedFrom;
        int allowed = n;
        if (mode == Mode.RESET_ONCE || mode == Mode.FAIL) {
            allowed = (int) Math.max(0, Math.min(n, threshold - passed));
        }
        upstreamBytes.addAndGet(allowed);
        return allowed;
    }

    /** Whether an answer arriving now is the one to lose; arms nothing further. */
    private synchronized boolean answerToLose() {
        if (mode != Mode.LOSE_ANSWER_ONCE || upstreamBytes.get() - countedFrom < threshold) {
            return false;
        }
        mode = Mode.FORWARD;
        resets.incrementAndGet();
        return true;
    }

    private synchronized boolean faultDue() {
        return (mode == Mode.RESET_ONCE || mode == Mode.FAIL) && upstreamBytes.get() - countedFrom >= threshold;
    }

    private synchronized void trip() {
        resets.incrementAndGet();
        if (mode == Mode.RESET_ONCE) {
            mode = Mode.FORWARD;
        }
        resetAll();
    }

    private void resetAll() {
        for (Socket socket : open) {
            reset(socket);
            open.remove(socket);
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

}
