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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {

    private static final BackupId DAY_27 = BackupId.parse("20261127T021500Z");
    private static final BackupId DAY_28 = BackupId.parse("20261128T021500Z");
    private static final BackupId DAY_29 = BackupId.parse("20261129T021500Z");
    private static final BackupId DAY_30 = BackupId.parse("20261130T021500Z");

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

    @Test
    void oneListingTellsCompleteFromIncompleteBackups() throws IOException {
        try (LocalObjectStore store = new LocalObjectStore(root)) {
            Repository repository = Repository.open(store, "main");
            for (BackupId id : List.of(DAY_28, DAY_29)) {
                put(repository, BackupManifest.partKey(id, 0), new byte[10]);
                put(repository, BackupManifest.partKey(id, 1), new byte[10]);
                putManifest(repository, SampleManifests.full(id));
            }
            put(repository, BackupManifest.partKey(DAY_30, 0), new byte[10]);

            CatalogListing listing = new Catalog(repository).listing();

            assertThat(listing.complete()).containsExactly(DAY_28, DAY_29);
            assertThat(listing.incomplete()).containsExactly(DAY_30);
            assertThat(listing.newest()).contains(DAY_29);
            assertThat(new CatalogListing(List.of(), List.of(DAY_30)).newest()).isEmpty();
        }
    }

    @Test
    void theIncrementalDepthCountsTheAncestorsDownToTheFullBackup() throws IOException {
        try (LocalObjectStore store = new LocalObjectStore(root)) {
            Repository repository = Repository.open(store, "main");
            BackupManifest latest = incremental(DAY_29, DAY_28);
            putManifest(repository, SampleManifests.full(DAY_27));
            putManifest(repository, incremental(DAY_28, DAY_27));
            putManifest(repository, latest);
            Catalog catalog = new Catalog(repository);

            assertThat(catalog.incrementalDepth(latest)).isEqualTo(2).isEqualTo(catalog.chain(latest).size() - 1);
            assertThat(catalog.incrementalDepth(catalog.read(DAY_27))).isZero();
        }
    }

    @Test
    void theIncrementalDepthReportsAMissingAncestorAndAParentThatIsNotOlder() throws IOException {
        try (LocalObjectStore store = new LocalObjectStore(root)) {
            Repository repository = Repository.open(store, "main");
            putManifest(repository, incremental(DAY_28, DAY_27)); // DAY_27 is gone
            putManifest(repository, incremental(DAY_29, DAY_29));
            Catalog catalog = new Catalog(repository);

            assertThatThrownBy(() -> catalog.incrementalDepth(incremental(DAY_30, DAY_28)))
                    .isInstanceOf(PgbkException.class)
                    .hasMessageStartingWith("backup 20261130T021500Z needs backup 20261127T021500Z, which is missing");
            assertThatThrownBy(() -> catalog.incrementalDepth(catalog.read(DAY_29))).isInstanceOf(PgbkException.class)
                    .hasMessageContaining("names backup 20261129T021500Z as its parent, which is not older");
        }
    }

    /** SampleManifests' incremental backup, as backup id on parent. */
    private static BackupManifest incremental(BackupId id, BackupId parent) {
        BackupManifest template = SampleManifests.incremental();
        return new BackupManifest(template.formatVersion(), id, template.type(), parent, template.label(),
                template.startLsn(), template.stopLsn(), template.startTimeline(), template.stopTimeline(),
                template.startTime(), template.stopTime(), template.source(), template.systemIdentifier(),
                template.pgMajorVersion(), template.compression(), template.dataChecksums(), template.backupLabel(),
                template.tablespaceMap(), template.tablespaces(), template.parts(), template.files());
    }

    private static void putManifest(Repository repository, BackupManifest manifest) throws IOException {
        put(repository, BackupManifest.manifestKey(manifest.id()), new ManifestJson().write(manifest));
    }

    private static void put(Repository repository, String key, byte[] content) throws IOException {
        repository.putIfAbsent(key, new SealingInputStream(new ByteArrayInputStream(content), Compression.NONE));
    }
}
