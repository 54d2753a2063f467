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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
        return backupDirectories().entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
                .toList();
    }

    /** The manifests of all complete backups, oldest first. */
    public List<BackupManifest> list() {
        return ids().stream().map(this::read).toList();
    }

    /** Backup directories holding objects but no manifest: being written, or left by an interrupted backup. */
    public List<BackupId> incomplete() {
        return backupDirectories().entrySet().stream().filter(entry -> !entry.getValue())
                .map(Map.Entry::getKey).toList();
    }

    /** True when any object exists under the backup's prefix, complete or not. */
    public boolean inUse(BackupId id) {
        return !repository.list(BackupManifest.backupPrefix(id)).isEmpty();
    }

    public Optional<BackupManifest> find(BackupId id) {
        String key = BackupManifest.manifestKey(id);
        return repository.get(key).map(in -> readManifest(in, key));
    }

    /** The manifest of a complete backup; a missing one is the user's error, reported as such. */
    public BackupManifest read(BackupId id) {
        return find(id).orElseThrow(() -> new PgbkException("no backup " + id + " in repository "
                + repository.describe() + " (pgbk list shows the backups)"));
    }

    public Optional<BackupManifest> latest() {
        List<BackupId> ids = ids();
        return ids.isEmpty() ? Optional.empty() : Optional.of(read(ids.get(ids.size() - 1)));
    }

    /** The backups a restore of this one reads: its ancestors from the full backup down to it. */
    public List<BackupManifest> chain(BackupManifest backup) {
        List<BackupManifest> chain = new ArrayList<>();
        BackupManifest current = backup;
        chain.add(0, current);
        while (current.parent() != null) {
            BackupId parent = current.parent();
            current = find(parent).orElseThrow(() -> new PgbkException("backup " + backup.id()
                    + " needs backup " + parent + ", which is missing from repository " + repository.describe()));
            chain.add(0, current);
        }
        return chain;
    }

    /** Every object of one backup, complete or not, with keys relative to the cluster's area. */
    public List<ObjectInfo> objects(BackupId id) {
        return repository.list(BackupManifest.backupPrefix(id));
    }

    /** Backup ids found under backups/, each with whether its manifest exists. */
    private TreeMap<BackupId, Boolean> backupDirectories() {
        TreeMap<BackupId, Boolean> found = new TreeMap<>();
        for (ObjectInfo object : repository.list(BackupManifest.BACKUPS)) {
            String[] segments = object.key().split("/");
            if (segments.length < 3 || !ID.matcher(segments[1]).matches()) {
                continue;
            }
            BackupId id = BackupId.parse(segments[1]);
            boolean manifest = segments.length == 3 && segments[2].equals(BackupManifest.MANIFEST_NAME);
            found.merge(id, manifest, Boolean::logicalOr);
        }
        return found;
    }

    private BackupManifest readManifest(UnsealingInputStream in, String key) {
        String name = repository.objectName(key);
        try (in) {
            // read to the end first: the trailer is verified only then
            return json.read(new ByteArrayInputStream(in.readAllBytes()), name);
        } catch (IOException e) {
            throw new PgbkException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }
}
