/*
 * The backups a repository holds. A backup exists once its backup.json does: parts without a
 * manifest are a backup being written or one that was interrupted, and are listed only as such
 * (incomplete()) so that the backup engine can remove them while it holds the backup lock.
 * Everything is read from the repository on each call; nothing is cached, because another
 * process may add or expire backups at any time.
 */
package io.pgbk.core.catalog;

import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

public final class Catalog {

    private static final Pattern ID = Pattern.compile("\\d{8}T\\d{6}Z");

    private final Repository repository;
    private final ManifestJson json = new ManifestJson();

    public Catalog(Repository repository) {
        this.repository = repository;
    }

    /** Complete backups, oldest first. */
    public List<BackupId> ids() {
        return listing().complete();
    }

    /** Complete and incomplete backups from one listing of backups/, for a caller that needs both. */
    public CatalogListing listing() {
        TreeMap<BackupId, Boolean> found = backupDirectories();
        return new CatalogListing(
                found.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList(),
                found.entrySet().stream().filter(entry -> !entry.getValue()).map(Map.Entry::getKey).toList());
    }

    /** The manifests of all complete backups, oldest first. */
    public List<BackupManifest> list() {
        return ids().stream().map(this::read).toList();
    }

    /** The manifests of all complete backups without their parts and files (ManifestJson.readHead), oldest first. */
    public List<BackupManifest> heads() {
        return ids().stream().map(this::head).toList();
    }

    /**
     * The manifest of a complete backup without its parts and files (ManifestJson.readHead), read
     * up to them only: the file list is most of backup.json (every file of the cluster), and a
     * restore reads the head of every backup to choose one. The seal at the end is not reached,
     * so a head is not verified: what is chosen by it is read whole (read), which is.
     */
    public BackupManifest head(BackupId id) {
        String key = BackupManifest.manifestKey(id);
        UnsealingInputStream in = repository.get(key).orElseThrow(() -> missing(id));
        try (in) {
            return json.readHead(in, repository.objectName(key));
        } catch (IOException e) {
            throw new PgbkException("cannot read " + repository.objectName(key) + ": " + e.getMessage(), e);
        }
    }

    /** Backup directories holding objects but no manifest: being written, or left by an interrupted backup. */
    public List<BackupId> incomplete() {
        return listing().incomplete();
    }

    /** True when any object exists under the backup's prefix, complete or not. */
    public boolean inUse(BackupId id) {
        return !repository.list(BackupManifest.backupPrefix(id)).isEmpty();
    }

    public Optional<BackupManifest> find(BackupId id) {
        return find(id, json::read);
    }

    /** The manifest of a complete backup; a missing one is the user's error, reported as such. */
    public BackupManifest read(BackupId id) {
        return find(id).orElseThrow(() -> missing(id));
    }

    private Optional<BackupManifest> find(BackupId id, BiFunction<InputStream, String, BackupManifest> parse) {
        String key = BackupManifest.manifestKey(id);
        return repository.get(key).map(in -> readManifest(in, key, parse));
    }

    private PgbkException missing(BackupId id) {
        return new PgbkException("no backup " + id + " in repository " + repository.describe()
                + " (pgbk list shows the backups)");
    }

    public Optional<BackupManifest> latest() {
        return listing().newest().map(this::read);
    }

    /** The backups a restore of this one reads: its ancestors from the full backup down to it. */
    public List<BackupManifest> chain(BackupManifest backup) {
        List<BackupManifest> chain = new ArrayList<>();
        BackupManifest current = backup;
        chain.add(0, current);
        while (current.parent() != null) {
            BackupId parent = current.parent();
            current = find(parent).orElseThrow(() -> missingAncestor(backup.id(), parent));
            chain.add(0, current);
        }
        return chain;
    }

    /**
     * How many incremental backups lead from the full backup to this one: 0 for a full backup. Only
     * the head of each ancestor's backup.json is read, up to its parent: every manifest lists every
     * file of the cluster, and parsing a long chain of them cost seconds before each incremental backup.
     */
    public int incrementalDepth(BackupManifest backup) {
        int depth = 0;
        BackupId current = backup.id();
        Optional<BackupId> parent = Optional.ofNullable(backup.parent());
        while (parent.isPresent()) {
            BackupId ancestor = parent.get();
            if (ancestor.compareTo(current) >= 0) {
                // a parent is always older; anything else would loop
                throw new PgbkException("backup " + current + " names backup " + ancestor + " as its parent, which is "
                        + "not older: its manifest in repository " + repository.describe() + " is corrupt");
            }
            depth++;
            current = ancestor;
            parent = parentOf(ancestor, backup.id());
        }
        return depth;
    }

    /** Every object of one backup, complete or not, with keys relative to the cluster's area. */
    public List<ObjectInfo> objects(BackupId id) {
        return repository.list(BackupManifest.backupPrefix(id));
    }

    /** Backup ids found under backups/, each with whether its manifest exists. */
    private TreeMap<BackupId, Boolean> backupDirectories() {
        // by name first: a backup has many parts, and a BackupId is parsed once per backup, not per part
        TreeMap<String, Boolean> names = new TreeMap<>();
        for (ObjectInfo object : repository.list(BackupManifest.BACKUPS)) {
            String[] segments = object.key().split("/");
            if (segments.length < 3 || !ID.matcher(segments[1]).matches()) {
                continue;
            }
            boolean manifest = segments.length == 3 && segments[2].equals(BackupManifest.MANIFEST_NAME);
            names.merge(segments[1], manifest, Boolean::logicalOr);
        }
        TreeMap<BackupId, Boolean> found = new TreeMap<>();
        names.forEach((name, manifest) -> found.put(BackupId.parse(name), manifest));
        return found;
    }

    /** The parent named in the head of a backup's manifest; descendant names the backup whose chain is read. */
    private Optional<BackupId> parentOf(BackupId id, BackupId descendant) {
        String key = BackupManifest.manifestKey(id);
        UnsealingInputStream in = repository.get(key).orElseThrow(() -> missingAncestor(descendant, id));
        try (in) {
            return json.readParent(in, repository.objectName(key));
        } catch (IOException e) {
            throw new PgbkException("cannot read " + repository.objectName(key) + ": " + e.getMessage(), e);
        }
    }

    private PgbkException missingAncestor(BackupId backup, BackupId ancestor) {
        return new PgbkException("backup " + backup + " needs backup " + ancestor + ", which is missing from "
                + "repository " + repository.describe());
    }

    private BackupManifest readManifest(UnsealingInputStream in, String key,
            BiFunction<InputStream, String, BackupManifest> parse) {
        String name = repository.objectName(key);
        try (in) {
            // read to the end first: the trailer is verified only then
            return parse.apply(new ByteArrayInputStream(in.readAllBytes()), name);
        } catch (IOException e) {
            throw new PgbkException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }
}
