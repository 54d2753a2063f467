package io.pgbk.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.storage.ObjectStore;
import io.pgbk.storage.ObjectStoreContract;
import io.pgbk.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest extends ObjectStoreContract {

    @TempDir
    Path root;
    private LocalObjectStore store;

    @BeforeEach
    void openStore() {
        store = new LocalObjectStore(root);
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected int largeObjectSize() {
        return 12 * 1024 * 1024;
    }

    @Test
    void aTemporaryFileLeftByACrashIsInvisible() throws IOException {
        store.put("main/wal/seg1", new ByteArrayInputStream(new byte[] {1}));
        Path leftover = root.resolve("main/wal/.seg2.3f1c.tmp");
        Files.write(leftover, new byte[] {9, 9});

        assertThat(keysUnder("")).containsExactly("main/wal/seg1");
        assertThat(store.stat("main/wal/seg2")).isEmpty();
        assertThat(store.get("main/wal/seg2")).isEmpty();
    }

    @Test
    void aStaleTemporaryFileIsRemovedByTheNextWriteInItsDirectoryAndAFreshOneIsKept() throws IOException {
        Files.createDirectories(root.resolve("wal"));
        Path stale = root.resolve("wal/.seg2.aaaa.tmp");
        Path fresh = root.resolve("wal/.seg3.bbbb.tmp");
        Files.write(stale, new byte[] {1});
        Files.write(fresh, new byte[] {2});
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        new LocalObjectStore(root).put("wal/seg1", new ByteArrayInputStream(new byte[] {3}));

        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
    }

    @Test
    void writesLeaveNoTemporaryFilesAndDeletesNoEmptyDirectories() throws IOException {
        store.put("a/b/c", new ByteArrayInputStream(new byte[] {1}));
        store.putIfAbsent("a/b/c", new ByteArrayInputStream(new byte[] {2}));
        store.putIfAbsent("a/b/d", new ByteArrayInputStream(new byte[] {2}));
        assertThat(filesUnder(root)).containsExactlyInAnyOrder(root.resolve("a/b/c"), root.resolve("a/b/d"));

        store.delete("a/b/c");
        store.delete("a/b/d");
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void anObjectCannotAlsoBeADirectory() {
        store.put("a", new ByteArrayInputStream(new byte[] {1}));

        assertThatThrownBy(() -> store.put("a/b", new ByteArrayInputStream(new byte[] {2})))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("cannot write a/b in file://" + root + ": ");
    }

    @Test
    void describeIsAFileUri() {
        assertThat(store.describe()).isEqualTo("file://" + root.toAbsolutePath());
    }

    private static java.util.List<Path> filesUnder(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
