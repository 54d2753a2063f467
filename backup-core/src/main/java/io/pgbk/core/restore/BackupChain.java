/*
 * A backup and the ancestors it refers to, newest first: an incremental backup holds only what
 * changed since its parent, so restoring it needs every backup up to a full one. Resolved before
 * anything is written, so that a broken chain (a parent expired or deleted) is an error up front
 * instead of a missing file halfway through a restore.
 */
package io.pgbk.core.restore;

import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.error.PgbkException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

public final class BackupChain {

    private final List<BackupManifest> backups;
    /** Each backup's entries by path: a chain is asked for parents' files once per restored file. */
    private final List<Map<String, ManifestFile>> filesByPath;

    private BackupChain(List<BackupManifest> backups) {
        this.backups = List.copyOf(backups);
        this.filesByPath = backups.stream()
                .map(backup -> backup.files().stream()
                        .collect(Collectors.toMap(ManifestFile::path, Function.identity(), (a, b) -> b)))
                .toList();
    }

    public static BackupChain resolve(BackupManifest backup, List<BackupManifest> available) {
        Map<BackupId, BackupManifest> byId = available.stream()
                .collect(Collectors.toMap(BackupManifest::id, Function.identity(), (a, b) -> a));
        List<BackupManifest> chain = new ArrayList<>(List.of(backup));
        Set<BackupId> seen = new HashSet<>(List.of(backup.id()));
        BackupManifest current = backup;
        while (current.type() == BackupType.INCR) {
            BackupId parentId = current.parent();
            if (parentId == null) {
                throw new PgbkException("incremental backup " + current.id() + " names no parent: its manifest is damaged");
            }
            BackupManifest parent = byId.get(parentId);
            if (parent == null) {
                throw new PgbkException("backup " + backup.id() + " cannot be restored: it needs backup " + parentId
                        + (current == backup ? "" : " (parent of " + current.id() + ")")
                        + ", which is not in the repository");
            }
            if (!seen.add(parentId)) {
                throw new PgbkException("the parents of backup " + backup.id() + " form a loop at " + parentId);
            }
            chain.add(parent);
            current = parent;
        }
        return new BackupChain(chain);
    }

    /** The backup being restored. */
    public BackupManifest head() {
        return backups.get(0);
    }

    /** Backups in the chain: the head and its ancestors. */
    public int length() {
        return backups.size();
    }

    /** Where a backup is in the chain (0: the head); a backup outside it means a damaged manifest. */
    public int depthOf(BackupId id) {
        for (int depth = 0; depth < backups.size(); depth++) {
            if (backups.get(depth).id().equals(id)) {
                return depth;
            }
        }
        throw new PgbkException("backup " + head().id() + " refers to backup " + id
                + ", which is not in its chain of parents: its manifest is damaged");
    }

    /** The entry for path in the backup at this depth of the chain (0: the head), if it has one. */
    public Optional<ManifestFile> file(int depth, String path) {
        return depth < backups.size() ? Optional.ofNullable(filesByPath.get(depth).get(path)) : Optional.empty();
    }
}
