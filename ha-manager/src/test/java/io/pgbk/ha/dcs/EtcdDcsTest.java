package io.pgbk.ha.dcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.testkit.etcd.EtcdServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

class EtcdDcsTest extends DcsContractTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private EtcdServer etcd;

    @Override
    protected EtcdServer startStore() {
        etcd = EtcdServer.start();
        return etcd;
    }

    @Override
    protected String scheme() {
        return "etcd";
    }

    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected Optional<String> rawGet(String patroniPath) {
        JsonNode kv = post("/v3/kv/range", "{\"key\":\"" + base64(patroniPath) + "\"}").path("kvs").path(0);
        return kv.isMissingNode()
                ? Optional.empty()
                : Optional.of(new String(Base64.getDecoder().decode(kv.path("value").asText()), StandardCharsets.UTF_8));
    }

    @Override
    protected void rawPut(String patroniPath, String value) {
        post("/v3/kv/put", mapper.createObjectNode().put("key", base64(patroniPath)).put("value", base64(value)).toString());
    }

    private JsonNode post(String path, String body) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(etcd.endpoint().resolve(path))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            return mapper.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
