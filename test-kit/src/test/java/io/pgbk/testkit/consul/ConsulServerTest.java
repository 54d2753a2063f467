package io.pgbk.testkit.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class ConsulServerTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void servesTheKvStoreUntilStoppedAndAgainAfterARestart() throws Exception {
        try (ConsulServer consul = ConsulServer.start()) {
            assertThat(send(consul, "PUT", "/v1/kv/pgbk/k", "v").body().strip()).isEqualTo("true");
            assertThat(send(consul, "GET", "/v1/kv/pgbk/k?raw", "").body()).isEqualTo("v");

            consul.stop();
            assertThat(consul.isRunning()).isFalse();
            assertThatThrownBy(() -> send(consul, "GET", "/v1/status/leader", "")).isInstanceOf(ConnectException.class);

            consul.restart();
            assertThat(send(consul, "GET", "/v1/kv/pgbk/k", "").statusCode()).as("development mode keeps nothing").isEqualTo(404);
            assertThat(send(consul, "PUT", "/v1/kv/pgbk/k", "w").body().strip()).isEqualTo("true");
        }
    }

    private HttpResponse<String> send(ConsulServer consul, String method, String path, String body)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(consul.endpoint().resolve(path))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
