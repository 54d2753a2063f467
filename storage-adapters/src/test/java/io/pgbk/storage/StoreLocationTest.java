package io.pgbk.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.storage.s3.S3ObjectStore;
import io.pgbk.storage.s3.S3Settings;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreLocationTest {

    @Test
    void pathsAndFileUrisAreTheLocalStoreInCanonicalForm() {
        assertThat(StoreLocation.parse("/var/lib/pgbk")).hasToString("file:///var/lib/pgbk");
        assertThat(StoreLocation.parse(" /var/lib//pgbk/./repo/ ")).hasToString("file:///var/lib/pgbk/repo");
        assertThat(StoreLocation.parse("file:///var/lib/pgbk")).hasToString("file:///var/lib/pgbk");
        assertThat(StoreLocation.parse("file://localhost/var/lib/pgbk")).hasToString("file:///var/lib/pgbk");
        assertThat(StoreLocation.parse("file:/var/lib/pgbk").directory()).isEqualTo(Path.of("/var/lib/pgbk"));
        assertThat(StoreLocation.parse("/var/lib/pgbk").scheme()).isEqualTo(StoreLocation.Scheme.FILE);
    }

    @Test
    void s3UrisGiveBucketAndPrefix() {
        StoreLocation location = StoreLocation.parse("s3://my-bucket/backups/main/");

        assertThat(location.scheme()).isEqualTo(StoreLocation.Scheme.S3);
        assertThat(location.bucket()).isEqualTo("my-bucket");
        assertThat(location.path()).isEqualTo("backups/main");
        assertThat(location).hasToString("s3://my-bucket/backups/main");
        assertThat(StoreLocation.parse("s3://my-bucket")).hasToString("s3://my-bucket");
        assertThat(StoreLocation.parse("S3://my-bucket/")).hasToString("s3://my-bucket");
    }

    @Test
    void badLocationsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> StoreLocation.parse(" "))
                .isInstanceOf(StorageException.class)
                .hasMessage("empty repository location: use an absolute path, file:///path or s3://bucket/prefix");
        assertThatThrownBy(() -> StoreLocation.parse("backups"))
                .hasMessageStartingWith("repository location 'backups' is a relative path: give an absolute path");
        assertThatThrownBy(() -> StoreLocation.parse("gs://bucket/x"))
                .hasMessage("unsupported repository location 'gs://bucket/x': use an absolute path, file:///path"
                        + " or s3://bucket/prefix");
        assertThatThrownBy(() -> StoreLocation.parse("file://otherhost/x"))
                .hasMessage("invalid repository location 'file://otherhost/x': use file:///absolute/path (three slashes)");
        assertThatThrownBy(() -> StoreLocation.parse("s3://Bad_Bucket/x"))
                .hasMessageStartingWith("invalid repository location 's3://Bad_Bucket/x': ");
        assertThatThrownBy(() -> StoreLocation.parse("s3://bucket/a/../b"))
                .hasMessage("invalid repository location 's3://bucket/a/../b': invalid object key prefix 'a/../b':"
                        + " has a '..' segment");
    }

    @Test
    void credentialsInALocationAreRefusedWithoutRepeatingThem() {
        assertThatThrownBy(() -> StoreLocation.parse("s3://AKIAEXAMPLE:TopSecret@bucket/x"))
                .isInstanceOf(StorageException.class)
                .hasMessageNotContaining("TopSecret")
                .hasMessageNotContaining("AKIAEXAMPLE")
                .hasMessageContaining("must not contain credentials");
        assertThatThrownBy(() -> StoreLocation.parse("ftp://user:TopSecret@host/x"))
                .hasMessageNotContaining("TopSecret");
    }

    @Test
    void openGivesTheStoreOfTheScheme(@TempDir Path dir) {
        try (ObjectStore store = StoreLocation.parse(dir.toString()).open(null)) {
            assertThat(store).isInstanceOf(LocalObjectStore.class);
            assertThat(store.describe()).isEqualTo(StoreLocation.parse(dir.toString()).toString());
        }
        S3Settings defaults = S3Settings.defaults()
                .withEndpoint(URI.create("http://127.0.0.1:9"), true)
                .withCredentials("access", "secret");
        try (ObjectStore store = StoreLocation.parse("s3://bucket/repo").open(defaults)) {
            assertThat(store).isInstanceOf(S3ObjectStore.class);
            assertThat(store.describe()).isEqualTo("s3://bucket/repo");
            assertThat(((S3ObjectStore) store).settings().endpoint()).isEqualTo(URI.create("http://127.0.0.1:9"));
        }
    }
}
