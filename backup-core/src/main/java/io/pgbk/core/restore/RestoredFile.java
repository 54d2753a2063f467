/*
 * Writing one file of a backup into the data directory: the content goes to a temporary name,
 * is fsynced and renamed into place (AtomicFile), and its SHA-256 must equal the manifest's,
 * or the file is not published and the restore fails naming the damaged object. The mode is the
 * one the backup recorded, since PostgreSQL refuses a data directory with looser permissions.
 */
package io.pgbk.core.restore;

import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;

record RestoredFile(ManifestFile entry, Path target) {

    /** Bytes written; content is read to length and verified against the manifest's checksum. */
    long write(InputStream content, String source) throws IOException {
        DigestInputStream digesting = new DigestInputStream(content, ContentDigest.newSha256());
        try (AtomicFile file = AtomicFile.create(target)) {
            long written = digesting.transferTo(file.out());
            ContentDigest digest = ContentDigest.finish(written, digesting.getMessageDigest());
            if (written != entry.size() || !digest.sha256().equals(entry.sha256())) {
                throw new PgbkException("restored " + entry.path() + " from " + source + " has " + written
                        + " bytes with SHA-256 " + digest.sha256() + ", the backup recorded " + entry.size()
                        + " bytes with " + entry.sha256() + ": the backup is damaged");
            }
            file.commit();
        }
        applyMetadata();
        return entry.size();
    }

    /** For a delta restore: whether the file already in place has the backup's size and content. */
    boolean matchesExisting() throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (!attributes.isRegularFile() || attributes.size() != entry.size()) {
            return false;
        }
        try (InputStream in = Files.newInputStream(target)) {
            return ContentDigest.of(in).sha256().equals(entry.sha256());
        }
    }

    void applyMetadata() throws IOException {
        Files.setPosixFilePermissions(target, entry.mode().permissions());
        if (entry.modified() != null) {
            Files.setLastModifiedTime(target, FileTime.from(entry.modified()));
        }
    }
}
