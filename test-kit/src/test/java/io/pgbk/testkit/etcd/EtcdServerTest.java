package io.pgbk.testkit.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EtcdServerTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void keepsItsKeysAcrossAnOutageAndDeletesEverythingOnClose() throws Exception {
        Path home;
        try (EtcdServer etcd = EtcdServer.start()) {
            // key "k" = "v", base64-encoded as the JSON gateway wants it
            assertThat(post(etcd.endpoint(), "/v3/kv/put", "{\"key\":\"aw==\",\"value\":\"dg==\"}").statusCode()).isEqualTo(200);
            home = etcdHome(etcd);

            etcd.stop();
            assertThat(etcd.isRunning()).isFalse();
            assertThatThrownBy(() -> post(etcd.endpoint(), "/health", "")).isInstanceOf(ConnectException.class);

            etcd.restart();
            assertThat(post(etcd.endpoint(), "/v3/kv/range", "{\"key\":\"aw==\"}").body()).contains("\"value\":\"dg==\"");
        }
        assertThat(home).doesNotExist();
    }

    private static Path etcdHome(EtcdServer etcd) throws IOException {
        long pid = ProcessHandle.current().children()
                .filter(child -> child.info().commandLine().orElse("").contains(etcd.hostPort()))
                .findFirst().orElseThrow().pid();
        String commandLine = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        String dataDir = commandLine.replaceAll(".*--data-dir (\\S+).*", "$1");
        assertThat(Path.of(dataDir)).isDirectory();
        return Path.of(dataDir).getParent();
    }

    private HttpResponse<String> post(URI endpoint, String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(endpoint.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
