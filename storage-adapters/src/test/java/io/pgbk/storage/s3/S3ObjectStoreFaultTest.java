package io.pgbk.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.storage.StorageException;
import io.pgbk.testkit.net.FaultyTcpProxy;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.s3.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** S3 outages, resets and refusals, each test with its own server so that stopping it disturbs nobody. */
class S3ObjectStoreFaultTest {

    private static final int MIB = 1024 * 1024;
    private static final String PREFIX = "repo";

    private S3ProxyServer server;

    @BeforeEach
    void startServer() {
        server = S3ProxyServer.launch();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void serverStoppedMidUploadLeavesNoObject() {
        byte[] content = randomBytes(12 * MIB);
        try (S3ObjectStore store = new S3ObjectStore(settings(server.endpoint()).withMaxAttempts(2))) {
            // The source stops the server once the first 5 MiB part has gone and 7 MiB were read.
            InputStream source = onceRead(new ByteArrayInputStream(content), 7 * MIB, server::stop);

            assertThatThrownBy(() -> store.put("wal/segment", source))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("cannot reach S3 endpoint " + server.endpoint() + " for s3://" + server.bucket() + "/"
                            + PREFIX + ": connection refused");

            server.start();
            assertThat(store.stat("wal/segment")).isEmpty();
            assertThat(store.list("")).isEmpty();
        }
    }

    @Test
    void objectsSurviveAnOutageAndTheSameStoreWorksAfterIt() throws IOException {
        try (S3ProxyServer files = S3ProxyServer.launch(S3ProxyServer.Backend.FILESYSTEM, "access", "secret-key",
                "pgbk-files")) {
            S3Settings settings = S3Settings.defaults()
                    .withEndpoint(files.endpoint(), true)
                    .withCredentials(files.accessKey(), files.secretKey())
                    .withLocation(files.bucket(), PREFIX)
                    .withMaxAttempts(2);
            try (S3ObjectStore store = new S3ObjectStore(settings)) {
                store.put("kept", new ByteArrayInputStream(new byte[] {4, 2}));
                files.stop();
                assertThatThrownBy(() -> store.get("kept"))
                        .hasMessageStartingWith("cannot reach S3 endpoint " + files.endpoint());

                files.start();
                try (InputStream in = store.get("kept").orElseThrow()) {
                    assertThat(in.readAllBytes()).containsExactly(4, 2);
                }
            }
        }
    }

    @Test
    void lastingResetMidMultipartUploadLeavesNoObject() {
        try (FaultyTcpProxy proxy = FaultyTcpProxy.to(server.port());
                S3ObjectStore store = new S3ObjectStore(settings(proxyEndpoint(proxy)).withMaxAttempts(3))) {
            proxy.failAfter(7 * MIB);

            assertThatThrownBy(() -> store.put("wal/segment", new ByteArrayInputStream(randomBytes(12 * MIB))))
                    .isInstanceOf(StorageException.class)
                    .hasMessageStartingWith("cannot reach S3 endpoint " + proxyEndpoint(proxy) + " for s3://"
                            + server.bucket() + "/" + PREFIX + ": connection ");
            assertThat(proxy.resets()).isGreaterThanOrEqualTo(3);

            proxy.forward();
            assertThat(store.stat("wal/segment")).isEmpty();
            assertThat(store.list("")).isEmpty();
        }
    }

    @Test
    void aSingleResetMidMultipartUploadIsRetried() throws IOException {
        byte[] content = randomBytes(12 * MIB);
        try (FaultyTcpProxy proxy = FaultyTcpProxy.to(server.port());
                S3ObjectStore store = new S3ObjectStore(settings(proxyEndpoint(proxy)))) {
            proxy.resetOnceAfter(7 * MIB);

            store.put("wal/segment", new ByteArrayInputStream(content));

            assertThat(proxy.resets()).isEqualTo(1);
            try (InputStream in = store.get("wal/segment").orElseThrow()) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
    }

    @Test
    void aSingleResetOfASmallPutIsRetried() throws IOException {
        byte[] content = randomBytes(300_000);
        try (FaultyTcpProxy proxy = FaultyTcpProxy.to(server.port());
                S3ObjectStore store = new S3ObjectStore(settings(proxyEndpoint(proxy)))) {
            proxy.resetOnceAfter(100_000);

            assertThat(store.putIfAbsent("wal/small", new ByteArrayInputStream(content))).isTrue();

            assertThat(proxy.resets()).isEqualTo(1);
            try (InputStream in = store.get("wal/small").orElseThrow()) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
    }

    @Test
    void aConditionalPutWhoseAnswerWasLostCountsAsWrittenWhenTheRetryFindsItsOwnBytes() throws IOException {
        byte[] content = randomBytes(300_000);
        try (FaultyTcpProxy proxy = FaultyTcpProxy.to(server.port());
                S3ObjectStore store = new S3ObjectStore(settings(proxyEndpoint(proxy)))) {
            proxy.loseAnswerAfter(200_000);

            // the server stored the object, the SDK saw a reset and retried: PreconditionFailed
            assertThat(store.putIfAbsent("wal/lost-answer", new ByteArrayInputStream(content))).isTrue();

            assertThat(proxy.resets()).isEqualTo(1);
            assertThat(store.putIfAbsent("wal/lost-answer", new ByteArrayInputStream(randomBytes(10)))).isFalse();
            try (InputStream in = store.get("wal/lost-answer").orElseThrow()) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
    }

    @Test
    void aConditionalPutWhoseEveryAnswerWasLostCountsAsWrittenWhenTheKeyHoldsItsBytes() throws IOException {
        byte[] content = randomBytes(300_000);
        try (FaultyTcpProxy proxy = FaultyTcpProxy.to(server.port());
                S3ObjectStore store = new S3ObjectStore(settings(proxyEndpoint(proxy)).withMaxAttempts(1))) {
            proxy.loseAnswerAfter(200_000);

            // the server stored the object, the one attempt saw a reset: no retry to hear PreconditionFailed
            assertThat(store.putIfAbsent("wal/every-answer-lost", new ByteArrayInputStream(content))).isTrue();

            assertThat(proxy.resets()).isEqualTo(1);
            try (InputStream in = store.get("wal/every-answer-lost").orElseThrow()) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
    }

    @Test
    void aConditionalMultipartUploadWhoseCompletionAnswerWasLostCountsAsWritten() throws IOException {
        byte[] content = randomBytes(11 * MIB);
        try (FaultyTcpProxy proxy = FaultyTcpProxy.to(server.port());
                S3ObjectStore store = new S3ObjectStore(settings(proxyEndpoint(proxy)))) {
            // The same upload under keys of the same length measures what it sends upstream, once
            // the client is warm (its first request sends more); its last request, the completion,
            // is more than 200 bytes.
            assertThat(store.putIfAbsent("wal/multipart-1", new ByteArrayInputStream(content))).isTrue();
            long before = proxy.upstreamBytes();
            assertThat(store.putIfAbsent("wal/multipart-2", new ByteArrayInputStream(content))).isTrue();
            proxy.loseAnswerAfter(proxy.upstreamBytes() - before - 200);

            // The server completed the upload, the SDK saw a reset and retried the completion. S3Proxy
            // answers the retry as done; a server that answers PreconditionFailed instead is told
            // apart by the object's ETag (S3ObjectStoreTest checks the one multipart objects get).
            assertThat(store.putIfAbsent("wal/multipart-3", new ByteArrayInputStream(content))).isTrue();

            assertThat(proxy.resets()).isEqualTo(1);
            assertThat(store.putIfAbsent("wal/multipart-3", new ByteArrayInputStream(randomBytes(10)))).isFalse();
            try (InputStream in = store.get("wal/multipart-3").orElseThrow()) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
    }

    @Test
    void unreachableEndpointIsOneClearLine() {
        URI nowhere = URI.create("http://127.0.0.1:" + FreePorts.next());
        try (S3ObjectStore store = new S3ObjectStore(settings(nowhere).withMaxAttempts(2))) {
            String expected = "cannot reach S3 endpoint " + nowhere + " for s3://" + server.bucket() + "/" + PREFIX
                    + ": connection refused";
            assertOneLineWithoutSecret(() -> store.stat("cluster.json"), expected);
            assertOneLineWithoutSecret(() -> store.put("cluster.json", new ByteArrayInputStream(new byte[] {1})),
                    expected);
            assertOneLineWithoutSecret(() -> store.list("wal/"), expected);
        }
    }

    @Test
    void wrongSecretKeyIsOneClearLine() {
        S3Settings wrong = settings(server.endpoint()).withCredentials(server.accessKey(), "not-" + server.secretKey());
        try (S3ObjectStore store = new S3ObjectStore(wrong)) {
            String expected = server.endpoint() + " refused the secret key configured for s3://" + server.bucket()
                    + "/" + PREFIX + " (SignatureDoesNotMatch): check the S3 credentials";
            assertOneLineWithoutSecret(() -> store.get("cluster.json"), expected);
            assertOneLineWithoutSecret(() -> store.put("cluster.json", new ByteArrayInputStream(new byte[] {1})),
                    expected);
            assertOneLineWithoutSecret(() -> store.stat("cluster.json"),
                    "access denied to s3://" + server.bucket() + "/" + PREFIX + " at " + server.endpoint()
                            + " (HTTP 403): check the S3 credentials and the bucket policy");
        }
    }

    @Test
    void unknownAccessKeyIsOneClearLine() {
        S3Settings wrong = settings(server.endpoint()).withCredentials("nobody", server.secretKey());
        try (S3ObjectStore store = new S3ObjectStore(wrong)) {
            assertOneLineWithoutSecret(() -> store.list(""), server.endpoint()
                    + " does not know the access key configured for s3://" + server.bucket() + "/" + PREFIX
                    + " (InvalidAccessKeyId): check the S3 credentials");
        }
    }

    @Test
    void missingBucketIsOneClearLine() {
        S3Settings missing = settings(server.endpoint()).withLocation("no-such-bucket", PREFIX);
        try (S3ObjectStore store = new S3ObjectStore(missing)) {
            String expected = "bucket 'no-such-bucket' does not exist at " + server.endpoint();
            assertOneLineWithoutSecret(() -> store.stat("cluster.json"), expected);
            assertOneLineWithoutSecret(() -> store.get("cluster.json"), expected);
            assertOneLineWithoutSecret(() -> store.put("cluster.json", new ByteArrayInputStream(new byte[] {1})),
                    expected);
            assertOneLineWithoutSecret(() -> store.list(""), expected);
        }
    }

    private void assertOneLineWithoutSecret(org.assertj.core.api.ThrowableAssert.ThrowingCallable call,
            String expected) {
        assertThatThrownBy(call)
                .isInstanceOf(StorageException.class)
                .hasMessage(expected)
                .hasMessageNotContaining(server.secretKey())
                .hasMessageNotContaining("\n");
    }

    private S3Settings settings(URI endpoint) {
        return S3Settings.defaults()
                .withEndpoint(endpoint, true)
                .withCredentials(server.accessKey(), server.secretKey())
                .withLocation(server.bucket(), PREFIX)
                .withPartSize(S3Settings.MIN_PART_SIZE);
    }

    private static URI proxyEndpoint(FaultyTcpProxy proxy) {
        return URI.create("http://127.0.0.1:" + proxy.port());
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    /** Runs action once, when the reader has read past offset. */
    private static InputStream onceRead(InputStream in, long offset, Runnable action) {
        return new FilterInputStream(in) {
            private long position;
            private boolean done;

            @Override
            public int read(byte[] buffer, int off, int length) throws IOException {
                int n = super.read(buffer, off, length);
                position += Math.max(n, 0);
                if (!done && position > offset) {
                    done = true;
                    action.run();
                }
                return n;
            }
        };
    }
}
