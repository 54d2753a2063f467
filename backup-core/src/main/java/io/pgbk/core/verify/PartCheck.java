/*
 * Reads one part object of a backup front to back through the sealed chain (which checks the
 * object's length and checksum at its end) and, on the way, reads the tar entry of every file
 * stored in it and checks it against the manifest: its length, the CRC32C of the stored bytes
 * (manifest format 3) and, for a file stored whole, its SHA-256. One sequential read per part,
 * whatever the number of files in it; memory is a tar block and a codec's window.
 *
 * A file of an incremental backup that holds only changed pages (a page map) has no SHA-256: its
 * content is its parent's pages under the stored ones. Checking every stored layer of a chain
 * (each backup's own entries) checks every byte a restore of it would write. Before format 3,
 * such an entry was checked for length only, and the part's seal covered its bytes.
 */
package io.pgbk.core.verify;

import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.manifest.PartInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.core.stream.CountingInputStream;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

record PartCheck(Repository repository, String partKey, Optional<PartInfo> info, List<ManifestFile> files) {

    List<Finding> run() {
        String object = repository.objectName(partKey);
        List<Finding> findings = new ArrayList<>();
        Map<String, ManifestFile> expected = new HashMap<>();
        files.forEach(file -> expected.put(file.path(), file));
        String reading = null;
        try {
            Optional<UnsealingInputStream> opened = repository.get(partKey);
            if (opened.isEmpty()) {
                return List.of(new Finding(object, null, "missing"));
            }
            try (UnsealingInputStream sealed = opened.get();
                 TarArchiveInputStream tar = new TarArchiveInputStream(sealed)) {
                for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                    ManifestFile file = expected.remove(entry.getName());
                    if (file != null) {
                        reading = file.path();
                        check(file, tar, object).ifPresent(findings::add);
                        reading = null;
                    }
                }
                // the tar reader may stop before the end-of-archive padding: the seal is checked at the very end
                sealed.transferTo(OutputStream.nullOutputStream());
                ContentDigest digest = sealed.digest().orElseThrow();
                info.filter(part -> !part.trailer().equals(digest))
                        .ifPresent(part -> findings.add(new Finding(object, null, "the manifest records "
                                + part.trailer().describe() + ", the object holds " + digest.describe())));
            }
        } catch (IOException | PgbkException e) {
            findings.add(new Finding(object, reading, e.getMessage()));
            return findings;
        }
        expected.keySet().stream().sorted()
                .forEach(path -> findings.add(new Finding(object, path, "no entry for the file in the part")));
        return findings;
    }

    private static Optional<Finding> check(ManifestFile file, TarArchiveInputStream tar, String object)
            throws IOException {
        CountingInputStream counted = new CountingInputStream(tar);
        CRC32C crc = new CRC32C();
        DigestInputStream content = new DigestInputStream(new CheckedInputStream(counted, crc),
                ContentDigest.newSha256());
        content.on(file.sha256() != null);
        content.transferTo(OutputStream.nullOutputStream());
        if (counted.count() != file.data().length()) {
            return Optional.of(new Finding(object, file.path(), "the entry has " + counted.count()
                    + " bytes, the manifest expects " + file.data().length()));
        }
        String crc32c = FileData.crc32cText(crc);
        if (file.data().crc32c() != null && !crc32c.equals(file.data().crc32c())) {
            return Optional.of(new Finding(object, file.path(), "CRC32C expected " + file.data().crc32c()
                    + ", actual " + crc32c));
        }
        String actual = HexFormat.of().formatHex(content.getMessageDigest().digest());
        if (!file.isPartial() && file.sha256() != null && !actual.equals(file.sha256())) {
            return Optional.of(new Finding(object, file.path(), "SHA-256 expected " + file.sha256() + ", actual "
                    + actual));
        }
        return Optional.empty();
    }
}
