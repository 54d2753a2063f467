/*
 * The tar part one writer is filling. Parts close after a target size, or a number of files, so
 * that a restore can fetch and write them in parallel and a failed upload costs one part; a file
 * that would overflow a part that already holds something starts the next one, so a large file
 * gets a part of its own. Local mode runs one sink per worker, stream mode one for the whole
 * stream; part numbers come from one counter per backup, and finished parts are collected in one
 * list.
 */
package io.pgbk.core.backup;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.PartInfo;
import io.pgbk.core.repo.Repository;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

final class PartSink {

    /**
     * A restore writes a small file at the cost of its create, fsync and rename, not its bytes: a
     * thousand of them in one part kept one worker busy for 0.7 s after the others were done.
     */
    private static final int MAX_ENTRIES = 128;

    private final Repository repository;
    private final BackupId id;
    private final Compression compression;
    private final long targetSize;
    private final AtomicInteger partNumbers;
    private final ExecutorService uploads;
    private final List<PartInfo> parts;
    private TarPart current;

    /** parts must be safe to add to from several sinks at once when several run. */
    PartSink(Repository repository, BackupId id, BackupOptions options, AtomicInteger partNumbers,
            ExecutorService uploads, List<PartInfo> parts) {
        this.repository = repository;
        this.id = id;
        this.compression = options.compression();
        this.targetSize = options.partTargetSize();
        this.partNumbers = partNumbers;
        this.uploads = uploads;
        this.parts = parts;
    }

    TarPart partFor(long size) throws IOException {
        if (current != null && !current.isEmpty()
                && (current.size() + size > targetSize || current.entries() >= MAX_ENTRIES)) {
            finish();
        }
        if (current == null) {
            current = new TarPart(repository, id, partNumbers.getAndIncrement(), compression, uploads);
        }
        return current;
    }

    void closeIfFull() throws IOException {
        if (current != null && current.size() >= targetSize) {
            finish();
        }
    }

    void finish() throws IOException {
        if (current != null) {
            TarPart part = current;
            current = null;
            parts.add(part.finish());
        }
    }

    void abort() {
        if (current != null) {
            current.abort();
            current = null;
        }
    }
}
