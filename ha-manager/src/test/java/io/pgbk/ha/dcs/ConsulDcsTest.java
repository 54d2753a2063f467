package io.pgbk.ha.dcs;

import io.pgbk.testkit.consul.ConsulServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

class ConsulDcsTest extends DcsContractTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ConsulServer consul;

    @Override
    protected ConsulServer startStore() {
        consul = ConsulServer.start();
        return consul;
    }

    @Override
    protected String scheme() {
        return "consul";
    }

    /** Patroni asks Consul for a session of ttl/2, and Consul's shortest session is 10 s. */
    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(20);
    }

    @Override
    protected Optional<String> rawGet(String patroniPath) {
        HttpResponse<String> response = send("GET", patroniPath.substring(1) + "?raw", "");
        return response.statusCode() == 404 ? Optional.empty() : Optional.of(response.body());
    }

    @Override
    protected void rawPut(String patroniPath, String value) {
        send("PUT", patroniPath.substring(1), value);
    }

    private HttpResponse<String> send(String method, String key, String body) {
        try {
            return http.send(HttpRequest.newBuilder(consul.endpoint().resolve("/v1/kv/" + key))
                    .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
