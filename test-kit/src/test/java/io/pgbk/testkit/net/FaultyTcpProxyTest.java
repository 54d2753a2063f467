package io.pgbk.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultyTcpProxyTest {

    private EchoServer echo;
    private FaultyTcpProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new EchoServer();
        proxy = FaultyTcpProxy.to(echo.port());
    }

    @AfterEach
    void stop() {
        try {
            proxy.close();
        } finally {
            echo.close();
        }
    }

    @Test
    void forwardsBothWays() throws IOException {
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "hello")).isEqualTo("hello");
            assertThat(roundTrip(socket, "again")).isEqualTo("again");
        }
        assertThat(proxy.upstreamBytes()).isEqualTo(10);
        assertThat(proxy.resets()).isZero();
    }

    @Test
    void resetOnceAfterCutsTheConnectionAtTheByteCountThenForwardsAgain() throws IOException {
        proxy.resetOnceAfter(8);
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "12345")).isEqualTo("12345");
            assertBroken(socket, "6789012345");
        }
        assertThat(proxy.resets()).isEqualTo(1);
        assertThat(proxy.upstreamBytes()).isEqualTo(8);

        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "after")).isEqualTo("after");
        }
    }

    @Test
    void failAfterResetsEveryConnectionUntilForward() throws IOException {
        proxy.failAfter(3);
        try (Socket socket = connect()) {
            assertBroken(socket, "12345");
        }
        try (Socket socket = connect()) {
            assertBroken(socket, "x");
        }
        assertThat(proxy.resets()).isEqualTo(2);

        proxy.forward();
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "back")).isEqualTo("back");
        }
    }

    @Test
    void refuseResetsOpenAndNewConnectionsUntilForward() throws IOException {
        try (Socket open = connect()) {
            assertThat(roundTrip(open, "hi")).isEqualTo("hi");
            proxy.refuse();
            assertBroken(open, "more");
        }
        try (Socket socket = connect()) {
            assertBroken(socket, "x");
        }

        proxy.forward();
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "ok")).isEqualTo("ok");
        }
    }

    @Test
    void aClosedProxyRefusesConnections() {
        int port = proxy.port();
        proxy.close();

        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(ConnectException.class);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static String roundTrip(Socket socket, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.US_ASCII);
    }

    /** The echo of text never comes back whole: the connection was reset or closed. */
    private static void assertBroken(Socket socket, String text) {
        byte[] echoed;
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            echoed = socket.getInputStream().readNBytes(text.length());
        } catch (IOException e) {
            return;
        }
        assertThat(echoed.length).as("bytes echoed through a broken connection").isLessThan(text.length());
    }

    /** Echoes every byte back on each connection. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger counter = new AtomicInteger();
        private final ExecutorService threads = Executors.newFixedThreadPool(8,
                runnable -> new Thread(runnable, "echo-" + counter.incrementAndGet()));

        EchoServer() throws IOException {
            threads.execute(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket socket = listener.accept();
                        threads.execute(() -> echo(socket));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        private static void echo(Socket socket) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() {
            try {
                listener.close();
            } catch (IOException e) {
                // closing anyway
            }
            threads.shutdownNow();
            try {
                threads.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
