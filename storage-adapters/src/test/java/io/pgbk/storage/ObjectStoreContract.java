/*
 * The behaviour every ObjectStore driver promises (see ObjectStore), checked against each driver
 * by a subclass that supplies a fresh, empty store for every test.
 */
package io.pgbk.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

public abstract class ObjectStoreContract {

    /** An empty store, used by one test only. */
    protected abstract ObjectStore store();

    /** A size that takes the driver's large-object path (multipart on S3). */
    protected abstract int largeObjectSize();

    @Test
    void putThenGetReturnsTheSameBytes() throws IOException {
        byte[] content = randomBytes(100_000, 1);
        store().put("main/wal/0000000100000000/000000010000000000000001", new ByteArrayInputStream(content));

        assertThat(read("main/wal/0000000100000000/000000010000000000000001")).isEqualTo(content);
    }

    /**
     * A catalog reads only the head of a manifest and closes it: more such reads than a
     * connection pool holds must not exhaust it.
     */
    @Test
    void aStreamClosedBeforeItsEndLeavesTheStoreUsable() throws IOException {
        byte[] content = randomBytes(2 * 1024 * 1024, 6);
        store().put("backups/20261130T000000Z/backup.json", new ByteArrayInputStream(content));

        for (int i = 0; i < 60; i++) {
            try (InputStream in = store().get("backups/20261130T000000Z/backup.json").orElseThrow()) {
                assertThat(in.readNBytes(100)).isEqualTo(slice(content, 0, 100));
            }
        }
        assertThat(read("backups/20261130T000000Z/backup.json")).isEqualTo(content);
    }

    @Test
    void emptyObjectIsAnObject() throws IOException {
        store().put("empty", InputStream.nullInputStream());

        assertThat(read("empty")).isEmpty();
        assertThat(store().stat("empty")).hasValueSatisfying(info -> assertThat(info.size()).isZero());
    }

    @Test
    void missingObjectIsAnAnswerNotAnError() {
        assertThat(store().get("no/such/key")).isEmpty();
        assertThat(store().getRange("no/such/key", 0, 10)).isEmpty();
        assertThat(store().stat("no/such/key")).isEmpty();
    }

    @Test
    void statGivesSizeAndKey() {
        store().put("a/b/c.bin", new ByteArrayInputStream(randomBytes(1234, 2)));

        ObjectInfo info = store().stat("a/b/c.bin").orElseThrow();
        assertThat(info.key()).isEqualTo("a/b/c.bin");
        assertThat(info.size()).isEqualTo(1234);
        assertThat(info.lastModified()).isNotNull();
    }

    @Test
    void overwriteReplacesTheObject() throws IOException {
        store().put("k", new ByteArrayInputStream(randomBytes(5000, 3)));
        byte[] second = randomBytes(10, 4);
        store().put("k", new ByteArrayInputStream(second));

        assertThat(read("k")).isEqualTo(second);
        assertThat(store().stat("k").orElseThrow().size()).isEqualTo(10);
    }

    @Test
    void putIfAbsentWritesOnceAndNeverReplaces() throws IOException {
        byte[] first = "first".getBytes(StandardCharsets.UTF_8);

        assertThat(store().putIfAbsent("x/once", new ByteArrayInputStream(first))).isTrue();
        assertThat(store().putIfAbsent("x/once", new ByteArrayInputStream("second".getBytes(StandardCharsets.UTF_8))))
                .isFalse();
        assertThat(read("x/once")).isEqualTo(first);
    }

    @Test
    void getRangeReturnsTheWindowAndLessAtTheEnd() throws IOException {
        byte[] content = randomBytes(10_000, 5);
        store().put("r", new ByteArrayInputStream(content));

        assertThat(readRange("r", 100, 50)).isEqualTo(slice(content, 100, 50));
        assertThat(readRange("r", 0, 1)).isEqualTo(slice(content, 0, 1));
        assertThat(readRange("r", 9_990, 100)).isEqualTo(slice(content, 9_990, 10));
        assertThat(readRange("r", 0, 10_000)).isEqualTo(content);
        assertThat(readRange("r", 10_000, 10)).isEmpty();
        assertThat(readRange("r", 50_000, 10)).isEmpty();
        assertThat(readRange("r", 5, 0)).isEmpty();
    }

    @Test
    void listReturnsKeysUnderThePrefixInLexicalOrder() {
        List<String> keys = new ArrayList<>(List.of(
                "main/wal/0000000100000000/000000010000000000000002",
                "main/wal/0000000100000000/000000010000000000000001",
                "main/wal/0000000100000001/000000010000000100000000",
                "main/wal/00000002.history",
                "main/cluster.json",
                "main/backups/20261129T021500Z/backup.json",
                "mainly/other",
                "other/x"));
        Collections.shuffle(keys, new Random(6));
        for (String key : keys) {
            store().put(key, new ByteArrayInputStream(key.getBytes(StandardCharsets.UTF_8)));
        }

        assertThat(keysUnder("main/wal/")).containsExactly(
                "main/wal/0000000100000000/000000010000000000000001",
                "main/wal/0000000100000000/000000010000000000000002",
                "main/wal/0000000100000001/000000010000000100000000",
                "main/wal/00000002.history");
        assertThat(keysUnder("main/wal/0000000100000000/")).containsExactly(
                "main/wal/0000000100000000/000000010000000000000001",
                "main/wal/0000000100000000/000000010000000000000002");
        assertThat(keysUnder("main/wal/000000010000000")).hasSize(3);
        assertThat(keysUnder("main")).hasSize(7);
        assertThat(keysUnder("main/")).hasSize(6);
        assertThat(keysUnder("")).isSortedAccordingTo(String::compareTo).hasSize(8);
        assertThat(keysUnder("nothing/here/")).isEmpty();
        assertThat(store().list("main/cluster.json")).singleElement()
                .satisfies(info -> assertThat(info.size()).isEqualTo("main/cluster.json".length()));
    }

    @Test
    void deleteRemovesAndMissingIsNotAnError() {
        store().put("d/1", new ByteArrayInputStream(new byte[] {1}));
        store().put("d/2", new ByteArrayInputStream(new byte[] {2}));

        store().delete("d/1");
        store().delete("d/1");
        store().delete("never/existed");

        assertThat(store().get("d/1")).isEmpty();
        assertThat(keysUnder("d/")).containsExactly("d/2");
        store().delete("d/2");
        assertThat(keysUnder("")).isEmpty();
        store().put("d/3", new ByteArrayInputStream(new byte[] {3}));
        assertThat(keysUnder("d/")).containsExactly("d/3");
    }

    @Test
    void largeObjectRoundTrip() throws IOException {
        byte[] content = randomBytes(largeObjectSize(), 7);
        store().put("big/object", new ByteArrayInputStream(content));

        assertThat(store().stat("big/object").orElseThrow().size()).isEqualTo(content.length);
        assertThat(read("big/object")).isEqualTo(content);
        assertThat(readRange("big/object", content.length - 100L, 1000)).isEqualTo(slice(content, content.length - 100, 100));
    }

    @Test
    void largePutIfAbsentWritesOnceAndNeverReplaces() throws IOException {
        byte[] first = randomBytes(largeObjectSize(), 8);

        assertThat(store().putIfAbsent("big/once", new ByteArrayInputStream(first))).isTrue();
        assertThat(store().putIfAbsent("big/once", new ByteArrayInputStream(randomBytes(largeObjectSize(), 9))))
                .isFalse();
        assertThat(read("big/once")).isEqualTo(first);
    }

    @Test
    void aFailingSourceLeavesThePreviousObject() throws IOException {
        byte[] previous = randomBytes(100, 10);
        store().put("f/kept", new ByteArrayInputStream(previous));

        assertThatThrownBy(() -> store().put("f/kept", failingAfter(50_000)))
                .hasMessageContaining("source broke");
        assertThatThrownBy(() -> store().put("f/new", failingAfter(50_000)))
                .hasMessageContaining("source broke");

        assertThat(read("f/kept")).isEqualTo(previous);
        assertThat(store().stat("f/new")).isEmpty();
        assertThat(keysUnder("f/")).containsExactly("f/kept");
    }

    @Test
    void aFailingLargeSourceLeavesNothing() {
        assertThatThrownBy(() -> store().put("f/big", failingAfter(largeObjectSize())))
                .hasMessageContaining("source broke");

        assertThat(store().stat("f/big")).isEmpty();
        assertThat(keysUnder("")).isEmpty();
    }

    @Test
    void invalidKeysAreRefusedWithTheReason() {
        assertThatThrownBy(() -> store().put("../escape", InputStream.nullInputStream()))
                .isInstanceOf(StorageException.class)
                .hasMessage("invalid object key '../escape': has a '..' segment");
        assertThatThrownBy(() -> store().get("/absolute"))
                .isInstanceOf(StorageException.class)
                .hasMessage("invalid object key '/absolute': starts with '/'");
        assertThatThrownBy(() -> store().stat("a//b"))
                .isInstanceOf(StorageException.class)
                .hasMessage("invalid object key 'a//b': has an empty segment");
        assertThatThrownBy(() -> store().delete(""))
                .isInstanceOf(StorageException.class)
                .hasMessage("invalid object key '': empty");
        assertThatThrownBy(() -> store().put("a/.hidden", InputStream.nullInputStream()))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("reserved for temporary files");
        assertThatThrownBy(() -> store().list("a/../b"))
                .isInstanceOf(StorageException.class)
                .hasMessage("invalid object key prefix 'a/../b': has a '..' segment");
    }

    protected byte[] read(String key) throws IOException {
        try (InputStream in = store().get(key).orElseThrow()) {
            return in.readAllBytes();
        }
    }

    protected List<String> keysUnder(String prefix) {
        return store().list(prefix).stream().map(ObjectInfo::key).toList();
    }

    protected static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** A source that delivers size bytes, then fails the way a broken disk or pipe does. */
    protected static InputStream failingAfter(int size) {
        return new SequenceInputStream(new ByteArrayInputStream(randomBytes(size, 11)), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("source broke");
            }
        });
    }

    private byte[] readRange(String key, long offset, long length) throws IOException {
        try (InputStream in = store().getRange(key, offset, length).orElseThrow()) {
            return in.readAllBytes();
        }
    }

    private static byte[] slice(byte[] bytes, int offset, int length) {
        byte[] slice = new byte[length];
        System.arraycopy(bytes, offset, slice, 0, length);
        return slice;
    }
}
