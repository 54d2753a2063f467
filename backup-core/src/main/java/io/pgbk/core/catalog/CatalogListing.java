/*
 * One listing of backups/: the complete backups (with a backup.json) and the incomplete ones, each
 * oldest first. The backup engine needs both before it starts, and on an object store every listing
 * of backups/ is as many requests as the repository has pages of parts.
 */
package io.pgbk.core.catalog;

import io.pgbk.core.manifest.BackupId;
import java.util.List;
import java.util.Optional;

public record CatalogListing(List<BackupId> complete, List<BackupId> incomplete) {

    public CatalogListing {
        complete = List.copyOf(complete);
        incomplete = List.copyOf(incomplete);
    }

    /** The newest complete backup: what an incremental backup builds on. */
    public Optional<BackupId> newest() {
        return complete.isEmpty() ? Optional.empty() : Optional.of(complete.get(complete.size() - 1));
    }
}
