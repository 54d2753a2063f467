package io.pgbk.core.backup;

import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.ObjectStore;
import io.pgbk.storage.StorageException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A real store with a hook run before each write (to fail one, or to act on the cluster at that
 * moment) and one run before each read (to see what else has happened by then).
 */
public final class FaultyStore implements ObjectStore {

    private final ObjectStore store;
    private final BiConsumer<String, InputStream> beforePut;
    private final Consumer<String> beforeRead;

    FaultyStore(ObjectStore store, Consumer<String> beforePut) {
        this(store, (key, content) -> beforePut.accept(key));
    }

    /** beforePut sees what is to be stored too: it may read some of it, or close it. */
    FaultyStore(ObjectStore store, BiConsumer<String, InputStream> beforePut) {
        this(store, beforePut, key -> { });
    }

    private FaultyStore(ObjectStore store, BiConsumer<String, InputStream> beforePut, Consumer<String> beforeRead) {
        this.store = store;
        this.beforePut = beforePut;
        this.beforeRead = beforeRead;
    }

    /** beforeRead runs before every get, ranged get and stat, with the key. */
    public static FaultyStore watchingReads(ObjectStore store, Consumer<String> beforeRead) {
        return new FaultyStore(store, (key, content) -> { }, beforeRead);
    }

    @Override
    public void put(String key, InputStream content) {
        beforePut.accept(key, content);
        store.put(key, content);
    }

    @Override
    public boolean putIfAbsent(String key, InputStream content) {
        beforePut.accept(key, content);
        return store.putIfAbsent(key, content);
    }

    @Override
    public Optional<InputStream> get(String key) {
        beforeRead.accept(key);
        return store.get(key);
    }

    @Override
    public Optional<InputStream> getRange(String key, long offset, long length) {
        beforeRead.accept(key);
        return store.getRange(key, offset, length);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        beforeRead.accept(key);
        return store.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return store.list(prefix);
    }

    @Override
    public void delete(String key) {
        store.delete(key);
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public void close() {
        store.close();
    }

    static StorageException full(String key) {
        return new StorageException("cannot store " + key + ": No space left on device");
    }
}
