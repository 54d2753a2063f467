/*
 * Where the bytes a backup stored for one file are: a tar entry in one of the parts of a backup
 * (this one, or an ancestor when an incremental backup found the file unchanged). Parts are
 * sealed, compressed objects, so offset and length count bytes of the uncompressed tar stream: a
 * restore reads a part front to back and takes each file's bytes as they pass.
 */
package io.pgbk.core.manifest;

/**
 * @param backup the backup whose part holds the bytes
 * @param part   the part's number: object backups/<backup>/parts/<number, 4 digits>.tar
 * @param offset where the entry's content starts in the uncompressed tar stream (after its headers)
 * @param length the entry's content length: the file's size, or the changed pages' size with a page map
 */
public record FileData(BackupId backup, int part, long offset, long length) {

    /** The part object's key within the cluster's area of the repository. */
    public String partKey() {
        return BackupManifest.partKey(backup, part);
    }
}
