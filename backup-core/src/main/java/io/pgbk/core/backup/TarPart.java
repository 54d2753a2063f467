/*
 * One part of a backup being written: a tar stream of file entries, sealed (compressed,
 * checksummed) and uploaded while it is written. The tar is pushed into a bounded pipe
 * (ChunkPipe) by the worker that reads files, and an upload thread pulls the sealed object from
 * the pipe's other end into the store, so a part of any size costs the pipe's chunks and a
 * codec's working memory, never the part itself, and reading overlaps compressing.
 *
 * The tar uses 512-byte blocks, so every header is on its way to the store when its entry's
 * content starts: the byte count at that moment is the content's offset in the tar stream, which
 * the manifest records. An aborted part closes the pipe from the reading side, which fails the
 * upload: the store keeps nothing of it (ObjectStore's contract for a failed put).
 */
package io.pgbk.core.backup;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.PartInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.SealCheck;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.stream.ChunkPipe;
import io.pgbk.core.stream.CountingOutputStream;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

final class TarPart {

    /** 1 MiB in flight per part, in chunks large enough that handing one over costs nothing. */
    private static final int PIPE_CHUNKS = 4;
    private static final int PIPE_CHUNK_SIZE = 256 * 1024;

    private final Repository repository;
    private final BackupId backup;
    private final int number;
    private final ChunkPipe pipe;
    private final CountingOutputStream counter;
    private final TarArchiveOutputStream tar;
    private final Future<ContentDigest> upload;
    private int entries;

    TarPart(Repository repository, BackupId backup, int number, Compression compression, ExecutorService uploads)
            throws IOException {
        this.repository = repository;
        this.backup = backup;
        this.number = number;
        this.pipe = new ChunkPipe(PIPE_CHUNKS, PIPE_CHUNK_SIZE);
        String key = BackupManifest.partKey(backup, number);
        this.upload = uploads.submit(() -> {
            try {
                // CRC32C: the manifest's checksums of each file already vouch for the content
                SealingInputStream sealed = new SealingInputStream(pipe.source(), compression, SealCheck.CRC32C);
                if (!repository.putIfAbsent(key, sealed)) {
                    throw new PgbkException("part " + repository.objectName(key) + " exists already: another "
                            + "backup is writing backup " + backup);
                }
                return sealed.digest().orElseThrow();
            } catch (Exception | Error e) {
                // a store may fail before reading: the worker must not wait on a full pipe no one reads
                pipe.closeReadingEnd();
                throw e;
            }
        });
        this.counter = new CountingOutputStream(pipe.sink());
        this.tar = new TarArchiveOutputStream(counter, TarConstants.DEFAULT_RCDSIZE);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    /** Tar bytes written so far. */
    long size() {
        return counter.count();
    }

    boolean isEmpty() {
        return entries == 0;
    }

    int entries() {
        return entries;
    }

    /** Writes one entry of exactly length bytes read from content; returns where its content lies. */
    FileData add(String path, int mode, Instant modified, long length, InputStream content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(path, true);
        entry.setSize(length);
        entry.setMode(mode);
        entry.setModTime(Date.from(modified));
        try {
            tar.putArchiveEntry(entry);
            long offset = counter.count();
            CRC32C crc = new CRC32C();
            long copied = new CheckedInputStream(content, crc).transferTo(tar);
            if (copied != length) {
                throw new IllegalStateException(path + ": " + copied + " bytes copied, " + length + " declared");
            }
            tar.closeArchiveEntry();
            entries++;
            return new FileData(backup, number, offset, length, FileData.crc32cText(crc));
        } catch (IOException e) {
            if (pipe.isBroken()) {
                awaitUpload(); // the upload failed and closed the pipe, or is closing it: report why it did
            }
            throw e;
        }
    }

    /** Ends the tar, waits for the upload and returns what the repository now holds. */
    PartInfo finish() throws IOException {
        tar.finish();
        tar.close();
        ContentDigest digest = awaitUpload();
        String key = BackupManifest.partKey(backup, number);
        long stored = repository.stat(key).orElseThrow(() -> new PgbkException("part " + repository.objectName(key)
                + " vanished right after it was stored")).size();
        return PartInfo.of(number, stored, digest);
    }

    /** Gives up the part: the upload fails and stores nothing. */
    void abort() {
        pipe.closeReadingEnd();
        upload.cancel(true);
    }

    private ContentDigest awaitUpload() {
        try {
            return upload.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while storing part " + number + " of backup " + backup, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PgbkException pgbk) {
                throw pgbk;
            }
            throw new PgbkException("cannot store part " + number + " of backup " + backup + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }
}
