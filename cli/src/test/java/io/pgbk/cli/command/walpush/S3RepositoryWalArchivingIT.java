package io.pgbk.cli.command.walpush;

import io.pgbk.cli.PgbkInstallation;
import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.ObjectStore;
import io.pgbk.storage.StoreLocation;
import io.pgbk.storage.s3.S3Settings;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.s3.S3ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** WAL archiving into S3 (S3Proxy in this JVM), with endpoint, path style and keys in the config file. */
class S3RepositoryWalArchivingIT extends WalArchivingScenarios {

    private S3ProxyServer s3;

    /** Runs within the superclass's @BeforeEach, which needs the server's address for the config file. */
    @Override
    protected void prepareRepository() {
        s3 = S3ProxyServer.launch();
    }

    @AfterEach
    void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    protected String repositoryConfig() {
        return s3Config(s3.endpoint().toString(), s3.accessKey(), s3.secretKey());
    }

    private String s3Config(String endpoint, String accessKey, String secretKey) {
        return "repo: s3://" + s3.bucket() + "/backups\n"
                + "s3-endpoint: " + endpoint + "\n"
                + "s3-path-style: true\n"
                + "s3-access-key: " + accessKey + "\n"
                + "s3-secret-key: " + secretKey + "\n";
    }

    @Override
    protected Map<String, String> repositoryState() {
        S3Settings settings = S3Settings.defaults().withEndpoint(s3.endpoint(), true).withCredentials(s3.accessKey(), s3.secretKey());
        Map<String, String> state = new TreeMap<>();
        try (ObjectStore store = StoreLocation.parse("s3://" + s3.bucket()).open(settings)) {
            for (ObjectInfo object : store.list("")) {
                state.put(object.key(), object.size() + " bytes, " + object.lastModified());
            }
        }
        return state;
    }

    @Test
    void unreachableEndpointFailsInOneLine() throws IOException {
        Path unreachable = Files.writeString(pgbk.directory().resolve("unreachable.yaml"),
                s3Config("http://127.0.0.1:" + FreePorts.next(), s3.accessKey(), s3.secretKey()));

        PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of(), "--config", unreachable.toString(),
                "wal-fetch", "000000010000000000000001", "RECOVERYXLOG");

        assertOneLineFailure(result);
        assertThat(result.err()).doesNotContain(s3.secretKey());
        assertThat(pgbk.directory().resolve("RECOVERYXLOG")).doesNotExist();
    }

    @Test
    void wrongCredentialsFailInOneLineWithoutShowingThem() throws IOException {
        Path wrong = Files.writeString(pgbk.directory().resolve("wrong.yaml"),
                s3Config(s3.endpoint().toString(), s3.accessKey(), "not-the-secret-key"));
        try (PostgresCluster cluster = PostgresCluster.initdb("origin", PostgresOptions.defaults())) {
            Map<String, String> before = repositoryState();

            PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of(), "--config", wrong.toString(),
                    "wal-push", currentSegment(cluster).toString());

            assertOneLineFailure(result);
            assertThat(result.err()).doesNotContain("not-the-secret-key");
            assertThat(repositoryState()).isEqualTo(before);
        }
    }
}
