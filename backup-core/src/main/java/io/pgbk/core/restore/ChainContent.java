/*
 * The content of one file of a backup chain as a stream, whatever way it was stored: a slice of
 * a part (of this backup or, for a file an incremental backup found unchanged, of an ancestor),
 * or the changed pages of an incremental backup laid over the parent's copy, recursively down
 * the chain. Each level reads its part from the start to the file's offset, since parts are
 * compressed streams without random access: restoring incremental files costs a read of the
 * parts before them, which the per-part extraction of whole files avoids.
 */
package io.pgbk.core.restore;

import io.pgbk.storage.io.BoundedInputStream;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.page.ChangedPageOverlay;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;

record ChainContent(Repository repository, BackupChain chain) {

    /** The file's whole content; the caller closes it. */
    InputStream open(int depth, ManifestFile entry) throws IOException {
        if (!entry.isPartial()) {
            return slice(entry.data(), entry.path());
        }
        InputStream parent = chain.file(depth + 1, entry.path()).isPresent()
                ? open(depth + 1, chain.file(depth + 1, entry.path()).get())
                : InputStream.nullInputStream();
        try {
            return new ChangedPageOverlay(parent, slice(entry.data(), entry.path()), entry.pageMap(), entry.path());
        } catch (IOException | RuntimeException e) {
            parent.close();
            throw e;
        }
    }

    UnsealingInputStream part(String partKey) {
        return repository.get(partKey).orElseThrow(() -> new PgbkException("object "
                + repository.objectName(partKey) + " of the backup is missing from " + repository.describe()));
    }

    private InputStream slice(FileData data, String path) throws IOException {
        UnsealingInputStream part = part(data.partKey());
        try {
            part.skipNBytes(data.offset());
            return new BoundedInputStream(part, data.length());
        } catch (IOException | RuntimeException e) {
            part.close();
            throw new PgbkException("cannot read " + path + " from " + repository.objectName(data.partKey()) + ": "
                    + e.getMessage(), e);
        }
    }
}
