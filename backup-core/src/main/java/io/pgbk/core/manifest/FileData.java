/*
 * Where the bytes a backup stored for one file are: a tar entry in one of the parts of a backup
 * (this one, or an ancestor when an incremental backup found the file unchanged). Parts are
 * sealed, compressed objects, so offset and length count bytes of the uncompressed tar stream: a
 * restore reads a part front to back and takes each file's bytes as they pass.
 *
 * The CRC32C of the entry's bytes lets restore and verify check each file's share of a part as it
 * passes, before the file is published, rather than only the whole part at its end. It covers
 * what was stored: a whole file, or the changed pages of an incremental (manifest format 3; null
 * in older manifests, whose files are checked by their SHA-256 instead).
 */
package io.pgbk.core.manifest;

import java.util.HexFormat;
import java.util.zip.Checksum;

/**
 * @param backup the backup whose part holds the bytes
 * @param part   the part's number: object backups/<backup>/parts/<number, 4 digits>.tar
 * @param offset where the entry's content starts in the uncompressed tar stream (after its headers)
 * @param length the entry's content length: the file's size, or the changed pages' size with a page map
 * @param crc32c hex CRC32C of the entry's content (8 digits); null in manifests before format 3
 */
public record FileData(BackupId backup, int part, long offset, long length, String crc32c) {

    /** A CRC32C in the form crc32c holds: its 32 bits as 8 hex digits. */
    public static String crc32cText(Checksum crc) {
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }

    /** The part object's key within the cluster's area of the repository. */
    public String partKey() {
        return BackupManifest.partKey(backup, part);
    }
}
