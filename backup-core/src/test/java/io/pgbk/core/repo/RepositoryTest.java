package io.pgbk.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.LocalObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryTest {

    private static final ClusterInfo MAIN = new ClusterInfo(SystemIdentifier.parse("7312345678901234567"), 15,
            WalSegmentSize.DEFAULT, 8192, ClusterInfo.FORMAT_VERSION);

    @TempDir
    Path root;
    private LocalObjectStore store;
    private Repository repository;

    @BeforeEach
    void open() {
        store = new LocalObjectStore(root);
        repository = Repository.open(store, "main");
    }

    @Test
    void laysOutWalKeysByTimelineAndLogId() {
        assertThat(Repository.walKey(WalFileName.parse("000000010000000A000000FF")))
                .isEqualTo("wal/000000010000000A/000000010000000A000000FF");
        assertThat(Repository.walKey(WalFileName.parse("000000010000000A000000FF.partial")))
                .isEqualTo("wal/000000010000000A/000000010000000A000000FF.partial");
        assertThat(Repository.walKey(WalFileName.parse("000000010000000000000002.00000028.backup")))
                .isEqualTo("wal/0000000100000000/000000010000000000000002.00000028.backup");
        assertThat(Repository.walKey(WalFileName.parse("0000000A.history"))).isEqualTo("wal/0000000A.history");
        assertThat(repository.objectName("wal/0000000A.history")).isEqualTo("main/wal/0000000A.history");
    }

    @Test
    void theFirstWriteClaimsTheClusterAndLaterOnesMustMatch() throws IOException {
        assertThat(repository.clusterInfo()).isEmpty();
        assertThat(repository.ensureCluster(MAIN, "WAL file 000000010000000000000001")).isEqualTo(MAIN);
        assertThat(repository.clusterInfo()).contains(MAIN);
        assertThat(Repository.open(store, "main").ensureCluster(MAIN, "WAL file 000000010000000000000002"))
                .isEqualTo(MAIN);

        byte[] stored = Files.readAllBytes(root.resolve("main/cluster.json"));
        String json = new String(stored, StandardCharsets.UTF_8);
        assertThat(json).contains("\"systemIdentifier\" : \"7312345678901234567\"").contains("\"walSegmentSize\" : 16777216");

        ClusterInfo other = new ClusterInfo(SystemIdentifier.parse("7399999999999999999"), 15,
                WalSegmentSize.DEFAULT, 8192, ClusterInfo.FORMAT_VERSION);
        assertThatThrownBy(() -> repository.ensureCluster(other, "WAL file 000000010000000000000003"))
                .isInstanceOf(PgbkException.class)
                .hasMessage("repository file://" + root + " cluster 'main' belongs to system 7312345678901234567, "
                        + "WAL file 000000010000000000000003 comes from system 7399999999999999999: refusing to mix clusters");
        ClusterInfo smallSegments = new ClusterInfo(MAIN.systemIdentifier(), 15, WalSegmentSize.ofBytes(1 << 20), 8192, 1);
        assertThatThrownBy(() -> repository.ensureCluster(smallSegments, "WAL file X"))
                .hasMessageEndingWith("cluster 'main' has 16 MiB WAL segments, WAL file X has 1 MiB: refusing to mix clusters");
        ClusterInfo upgraded = new ClusterInfo(MAIN.systemIdentifier(), 16, WalSegmentSize.DEFAULT, 8192, 1);
        assertThatThrownBy(() -> repository.ensureCluster(upgraded, "WAL file X"))
                .hasMessageEndingWith("holds PostgreSQL 15, WAL file X comes from PostgreSQL 16: refusing to mix clusters");
        assertThat(Files.readAllBytes(root.resolve("main/cluster.json"))).isEqualTo(stored);

        Repository another = Repository.open(store, "other");
        assertThat(another.clusterInfo()).isEmpty();
        assertThat(another.ensureCluster(other, "WAL file Y")).isEqualTo(other);
    }

    @Test
    void refusesARepositoryOfANewerFormat() throws IOException {
        String newer = "{\"systemIdentifier\":\"1\",\"pgMajorVersion\":15,\"walSegmentSize\":16777216,"
                + "\"walBlockSize\":8192,\"formatVersion\":2,\"somethingNew\":true}";
        repository.putIfAbsent("cluster.json", new SealingInputStream(
                new ByteArrayInputStream(newer.getBytes(StandardCharsets.UTF_8)), Compression.NONE));
        assertThatThrownBy(() -> repository.clusterInfo()).isInstanceOf(PgbkException.class)
                .hasMessage("file://" + root + " cluster 'main' has repository format 2, newer than this pgbk (1): upgrade pgbk");
    }

    @Test
    void readsTheDeclaredDigestFromTheTrailerAndVerifiesTheWholeObject() throws IOException {
        byte[] content = "history\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        SealingInputStream sealed = new SealingInputStream(new ByteArrayInputStream(content), Compression.DEFAULT);
        assertThat(repository.putIfAbsent("wal/00000002.history", sealed)).isTrue();
        ContentDigest expected = ContentDigest.of(new ByteArrayInputStream(content));
        assertThat(sealed.digest()).contains(expected);
        assertThat(repository.verify("wal/00000002.history")).contains(expected);
        assertThat(repository.verify("wal/00000003.history")).isEmpty();

        Path file = root.resolve("main/wal/00000002.history");
        byte[] stored = Files.readAllBytes(file);
        stored[stored.length / 2] ^= 0x40; // inside the compressed body
        Files.write(file, stored);
        assertThatThrownBy(() -> repository.verify("wal/00000002.history")).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("object main/wal/00000002.history is corrupt: ");
    }

    @Test
    void refusesClusterNamesThatAreNotOneKeySegment() {
        for (String bad : new String[] {"", "a/b", ".hidden", "-x", "a b", "x".repeat(64)}) {
            assertThatThrownBy(() -> Repository.open(store, bad)).as(bad).isInstanceOf(PgbkException.class)
                    .hasMessageStartingWith("invalid cluster name '" + bad + "'");
        }
    }
}
