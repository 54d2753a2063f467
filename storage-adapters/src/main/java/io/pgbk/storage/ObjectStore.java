/*
 * An object store: bytes in, bytes out, addressed by keys of '/'-separated segments
 * ("main/wal/0000000100000000/000000010000000000000001.zst"). It knows nothing of PostgreSQL.
 *
 * Contract shared by every driver (and checked by one contract test suite against each):
 * - put() makes an object visible only once all its bytes are durable; a put that fails or is
 *   interrupted leaves either the previous object or nothing under the key, never a partial one.
 * - putIfAbsent() never replaces an existing object; it reports whether it wrote.
 * - get() of a missing key returns Optional.empty() (a missing object is an answer, not an error);
 *   every other failure is a StorageException naming the key and the store.
 * - list() returns keys in lexical order.
 * - Keys follow ObjectKey's rules (no empty, "." or ".." segment, none starting with '.'); any
 *   other key is refused with a StorageException before the store is touched.
 */
package io.pgbk.storage;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

public interface ObjectStore extends AutoCloseable {

    /** Writes the stream fully under key, replacing any object there, atomically. */
    void put(String key, InputStream content) throws StorageException;

    /**
     * Writes the stream under key unless an object already exists there.
     * Returns true when this call created the object.
     */
    boolean putIfAbsent(String key, InputStream content) throws StorageException;

    /** Opens the object for reading, or empty when no object has this key. */
    Optional<InputStream> get(String key) throws StorageException;

    /** Opens length bytes of the object starting at offset (fewer at its end). */
    Optional<InputStream> getRange(String key, long offset, long length) throws StorageException;

    /** Size and modification time of the object, or empty when it does not exist. */
    Optional<ObjectInfo> stat(String key) throws StorageException;

    /** Every object whose key starts with prefix, in lexical order of key. */
    List<ObjectInfo> list(String prefix) throws StorageException;

    /** Removes the object; removing a missing object is not an error. */
    void delete(String key) throws StorageException;

    /** A description for messages, without secrets: "file:///var/lib/pgbk", "s3://bucket/prefix". */
    String describe();

    @Override
    void close();
}
