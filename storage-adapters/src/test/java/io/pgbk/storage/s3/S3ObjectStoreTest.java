package io.pgbk.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.ObjectStore;
import io.pgbk.storage.ObjectStoreContract;
import io.pgbk.testkit.s3.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/** The contract against S3Proxy; each test gets its own key prefix in one shared bucket. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ObjectStoreTest extends ObjectStoreContract {

    private S3ProxyServer server;
    private S3ObjectStore store;

    @BeforeAll
    void startServer() {
        server = S3ProxyServer.launch();
    }

    @AfterAll
    void stopServer() {
        server.close();
    }

    @BeforeEach
    void openStore() {
        store = new S3ObjectStore(settings("repo/" + UUID.randomUUID()));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected int largeObjectSize() {
        return 12 * 1024 * 1024;
    }

    private S3Settings settings(String prefix) {
        return S3Settings.defaults()
                .withEndpoint(server.endpoint(), true)
                .withCredentials(server.accessKey(), server.secretKey())
                .withLocation(server.bucket(), prefix)
                .withPartSize(S3Settings.MIN_PART_SIZE);
    }

    /** What lets a conditional upload whose completion answer was lost recognise its own object. */
    @Test
    void aMultipartObjectHasTheETagItsPartsPredict() throws Exception {
        byte[] content = randomBytes(largeObjectSize(), 5);
        String prefix = "repo/" + UUID.randomUUID();
        try (S3ObjectStore own = new S3ObjectStore(settings(prefix)); S3Client raw = S3Client.builder()
                .endpointOverride(server.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(server.accessKey(), server.secretKey())))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            own.put("big/etag", new ByteArrayInputStream(content));

            List<CompletedPart> parts = new ArrayList<>();
            for (int offset = 0; offset < content.length; offset += S3Settings.MIN_PART_SIZE) {
                byte[] part = Arrays.copyOfRange(content, offset,
                        Math.min(content.length, offset + S3Settings.MIN_PART_SIZE));
                String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(part));
                parts.add(CompletedPart.builder().partNumber(parts.size() + 1).eTag("\"" + md5 + "\"").build());
            }
            String etag = raw.headObject(request -> request.bucket(server.bucket()).key(prefix + "/big/etag")).eTag();
            assertThat(parts).hasSize(3);
            assertThat(S3ObjectStore.multipartETag(parts)).contains(etag.replace("\"", ""));
        }
    }

    @Test
    void listReadsEveryPageBeyondAThousandKeys() throws Exception {
        int count = 1_100;
        ExecutorService pool = Executors.newFixedThreadPool(4, named("put"));
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = String.format("many/%05d", i);
                puts.add(pool.submit(() -> store.put(key, new ByteArrayInputStream(new byte[] {1}))));
            }
            for (Future<?> put : puts) {
                put.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<String> keys = store.list("many/").stream().map(ObjectInfo::key).toList();
        assertThat(keys).hasSize(count).isSorted().startsWith("many/00000").endsWith("many/01099");
    }

    @Test
    void storesWithDifferentPrefixesDoNotSeeEachOther() throws IOException {
        store.put("k", new ByteArrayInputStream("mine".getBytes(StandardCharsets.UTF_8)));
        try (S3ObjectStore other = new S3ObjectStore(settings("repo/" + UUID.randomUUID()))) {
            assertThat(other.get("k")).isEmpty();
            assertThat(other.list("")).isEmpty();
            other.put("k", new ByteArrayInputStream("theirs".getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(read("k")).asString(StandardCharsets.UTF_8).isEqualTo("mine");
    }

    @Test
    void concurrentPutIfAbsentHasExactlyOneWinner() throws Exception {
        int writers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers, named("writer"));
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] content = ("writer " + i).getBytes(StandardCharsets.UTF_8);
                results.add(pool.submit(() -> {
                    go.await();
                    return store.putIfAbsent("race/key", new ByteArrayInputStream(content));
                }));
            }
            go.countDown();
            int winners = 0;
            for (Future<Boolean> result : results) {
                winners += result.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(read("race/key")).asString(StandardCharsets.UTF_8).startsWith("writer ");
    }

    @Test
    void descriptionsNameTheLocationAndNeverTheSecret() {
        assertThat(store.describe()).startsWith("s3://" + server.bucket() + "/repo/");
        assertThat(store.settings().toString())
                .contains(server.endpoint().toString())
                .contains("secretKey=****")
                .doesNotContain(server.secretKey());
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> new Thread(runnable, prefix + "-" + counter.incrementAndGet());
    }
}
