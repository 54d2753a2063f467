/*
 * One cluster's area of a repository: everything under <cluster-name>/ in an object store, and
 * the only code that knows how keys are laid out there (docs/repository-format.md):
 *   cluster.json                          ClusterInfo, created by the first write
 *   wal/<timeline+log id>/<segment>       segments, .partial segments, .backup history files
 *   wal/<timeline>.history                timeline history files
 *   wal-summary/<timeline+log id>/<segment>   the blocks a segment's records touch (SegmentSummaries)
 * Keys passed to and returned by this class are relative to the cluster's area ("wal/...");
 * messages name objects with the cluster prefix ("main/wal/...") as they appear in the store.
 *
 * Every object is sealed (header, compressed body, trailer with length and SHA-256): writes
 * take a SealingInputStream, reads return an UnsealingInputStream that fails on damage.
 */
package io.pgbk.core.repo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class Repository {

    private static final Logger log = LoggerFactory.getLogger(Repository.class);
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final String CLUSTER_FILE = "cluster.json";
    private static final String WAL = "wal/";
    /** Where the summaries of archived segments live, beside the WAL (listings of wal/ see none). */
    public static final String WAL_SUMMARIES = "wal-summary/";

    private final ObjectStore store;
    private final String clusterName;
    private final ObjectMapper json = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Repository(ObjectStore store, String clusterName) {
        this.store = store;
        this.clusterName = clusterName;
    }

    public static Repository open(ObjectStore store, String clusterName) {
        if (clusterName == null || !CLUSTER_NAME.matcher(clusterName).matches()) {
            throw new PgbkException("invalid cluster name '" + clusterName + "': use up to 63 letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit");
        }
        return new Repository(store, clusterName);
    }

    public String clusterName() {
        return clusterName;
    }

    /** "file:///var/lib/pgbk cluster 'main'": for messages, without secrets. */
    public String describe() {
        return store.describe() + " cluster '" + clusterName + "'";
    }

    /** The object's name as the store knows it, for messages. */
    public String objectName(String key) {
        return clusterName + "/" + key;
    }

    /** Where a WAL file lives: segment-like files grouped by timeline and log id, history files at the top. */
    public static String walKey(WalFileName name) {
        return name.segment()
                .map(segment -> WAL + segment.logDirectory() + "/" + name)
                .orElse(WAL + name);
    }

    /** Where the summary of an archived segment lives. */
    public static String walSummaryKey(WalSegmentName segment) {
        return WAL_SUMMARIES + segment.logDirectory() + "/" + segment;
    }

    /** The cluster this area belongs to, or empty before the first write. */
    public Optional<ClusterInfo> clusterInfo() {
        return get(CLUSTER_FILE).map(this::readClusterInfo);
    }

    /**
     * Makes sure this area belongs to the cluster described by expected: claims the area for it
     * when it belongs to nobody yet, refuses when it belongs to another. source names what is
     * being stored ("WAL file 000000010000000000000001") in the refusal.
     */
    public ClusterInfo ensureCluster(ClusterInfo expected, String source) {
        Optional<ClusterInfo> existing = clusterInfo();
        if (existing.isEmpty()) {
            if (putIfAbsent(CLUSTER_FILE, sealedJson(expected))) {
                log.info("{} now belongs to PostgreSQL {} system {}", describe(), expected.pgMajorVersion(),
                        expected.systemIdentifier());
                return expected;
            }
            existing = clusterInfo(); // another writer claimed it first: compare with theirs
        }
        ClusterInfo found = existing.orElseThrow(() -> new PgbkException(
                objectName(CLUSTER_FILE) + " in " + store.describe() + " vanished while being created"));
        refuseMismatch(found, expected, source);
        return found;
    }

    /**
     * Stores a sealed object under key unless one exists there: true when this call created it.
     * The store reads sealed to its end when it creates the object, so sealed.digest() is then known.
     */
    public boolean putIfAbsent(String key, SealingInputStream sealed) {
        try (sealed) {
            return store.putIfAbsent(objectName(key), sealed);
        } catch (IOException e) {
            throw new PgbkException("cannot store " + objectName(key) + " in " + store.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Stores a sealed object under key, replacing any object there (the backup lock's heartbeat). */
    public void put(String key, SealingInputStream sealed) {
        try (sealed) {
            store.put(objectName(key), sealed);
        } catch (IOException e) {
            throw new PgbkException("cannot store " + objectName(key) + " in " + store.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The objects whose key (relative to this area) starts with prefix, keys relative to this area, in order. */
    public List<ObjectInfo> list(String prefix) {
        String areaPrefix = clusterName + "/";
        return store.list(areaPrefix + prefix).stream()
                .map(info -> new ObjectInfo(info.key().substring(areaPrefix.length()), info.size(), info.lastModified()))
                .toList();
    }

    /** Removes an object; a missing one is not an error. */
    public void delete(String key) {
        store.delete(objectName(key));
    }

    /** Opens an object for reading, verified as it is read; empty when it does not exist. */
    public Optional<UnsealingInputStream> get(String key) {
        String name = objectName(key);
        return store.get(name).map(stored -> UnsealingInputStream.open(stored, name));
    }

    /** Reads a whole object through the verifying chain; empty when it does not exist. */
    public Optional<ContentDigest> verify(String key) {
        Optional<UnsealingInputStream> object = get(key);
        if (object.isEmpty()) {
            return Optional.empty();
        }
        try (UnsealingInputStream in = object.get()) {
            in.transferTo(OutputStream.nullOutputStream());
            return in.digest();
        } catch (IOException e) {
            throw new PgbkException("cannot read object " + objectName(key) + ": " + e.getMessage(), e);
        }
    }

    public Optional<ObjectInfo> stat(String key) {
        return store.stat(objectName(key));
    }

    private ClusterInfo readClusterInfo(UnsealingInputStream in) {
        ClusterInfo info;
        try (in) {
            info = json.readValue(in.readAllBytes(), ClusterInfo.class);
        } catch (PgbkException e) {
            throw e;
        } catch (IOException e) {
            throw new PgbkException("object " + objectName(CLUSTER_FILE) + " is not valid: " + e.getMessage(), e);
        }
        if (info.formatVersion() > ClusterInfo.FORMAT_VERSION) {
            throw new PgbkException(describe() + " has repository format " + info.formatVersion()
                    + ", newer than this pgbk (" + ClusterInfo.FORMAT_VERSION + "): upgrade pgbk");
        }
        return info;
    }

    private SealingInputStream sealedJson(ClusterInfo info) {
        try {
            return new SealingInputStream(new ByteArrayInputStream(json.writeValueAsBytes(info)), Compression.NONE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + info + " as JSON", e);
        } catch (IOException e) {
            throw new IllegalStateException("an uncompressed seal cannot fail", e);
        }
    }

    private void refuseMismatch(ClusterInfo found, ClusterInfo expected, String source) {
        String refusal = null;
        if (!found.systemIdentifier().equals(expected.systemIdentifier())) {
            refusal = "belongs to system " + found.systemIdentifier() + ", " + source + " comes from system "
                    + expected.systemIdentifier();
        } else if (found.pgMajorVersion() != expected.pgMajorVersion()) {
            refusal = "holds PostgreSQL " + found.pgMajorVersion() + ", " + source + " comes from PostgreSQL "
                    + expected.pgMajorVersion();
        } else if (!found.walSegmentSize().equals(expected.walSegmentSize())) {
            refusal = "has " + found.walSegmentSize() + " WAL segments, " + source + " has "
                    + expected.walSegmentSize();
        } else if (found.walBlockSize() != expected.walBlockSize()) {
            refusal = "has " + found.walBlockSize() + "-byte WAL blocks, " + source + " has "
                    + expected.walBlockSize();
        }
        if (refusal != null) {
            throw new PgbkException("repository " + describe() + " " + refusal
                    + ": refusing to mix clusters");
        }
    }
}
