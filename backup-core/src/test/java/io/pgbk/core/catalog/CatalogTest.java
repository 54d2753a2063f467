package io.pgbk.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.manifest.SampleManifests;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.LocalObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {

    @TempDir
    Path root;

    @Test
    void aBackupExistsOnlyWithItsManifest() throws IOException {
        try (LocalObjectStore store = new LocalObjectStore(root)) {
            Repository repository = Repository.open(store, "main");
            Catalog catalog = new Catalog(repository);
            BackupId complete = BackupId.parse("20261129T021500Z");
            BackupId incomplete = BackupId.parse("20261130T021500Z");
            put(repository, BackupManifest.partKey(complete, 0), new byte[100]);
            put(repository, BackupManifest.manifestKey(complete), new ManifestJson().write(SampleManifests.full(complete)));
            put(repository, BackupManifest.partKey(incomplete, 0), new byte[100]);
            put(repository, "locks/backup", new byte[10]);

            assertThat(catalog.ids()).containsExactly(complete);
            assertThat(catalog.incomplete()).containsExactly(incomplete);
            assertThat(catalog.latest()).get().extracting(BackupManifest::id).isEqualTo(complete);
            assertThat(catalog.chain(catalog.read(complete))).extracting(BackupManifest::id).containsExactly(complete);
            assertThat(catalog.find(incomplete)).isEmpty();
            assertThatThrownBy(() -> catalog.read(incomplete)).isInstanceOf(PgbkException.class)
                    .hasMessageStartingWith("no backup 20261130T021500Z in repository");
        }
    }

    @Test
    void anIncrementalWhoseParentIsGoneCannotBeChained() throws IOException {
        try (LocalObjectStore store = new LocalObjectStore(root)) {
            Repository repository = Repository.open(store, "main");
            BackupManifest incremental = SampleManifests.incremental();
            put(repository, BackupManifest.manifestKey(incremental.id()), new ManifestJson().write(incremental));

            assertThatThrownBy(() -> new Catalog(repository).chain(incremental)).isInstanceOf(PgbkException.class)
                    .hasMessageStartingWith("backup 20261129T021500Z needs backup 20261128T021500Z, which is missing");
        }
    }

    private static void put(Repository repository, String key, byte[] content) throws IOException {
        repository.putIfAbsent(key, new SealingInputStream(new ByteArrayInputStream(content), Compression.NONE));
    }
}
