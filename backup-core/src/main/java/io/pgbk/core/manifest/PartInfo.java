/*
 * One stored part of a backup: a sealed, compressed tar holding the content of several files (or
 * of one big file), listed so that verify can check every object without reading any file entry.
 * Parts written by pgbk before seal format 2 carry a SHA-256 trailer, later ones a CRC32C
 * (docs/repository-format.md): exactly one of sha256 and crc32c is set, the one the trailer holds.
 */
package io.pgbk.core.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.SealCheck;

/**
 * @param number     the part's number in its backup
 * @param tarSize    bytes of the uncompressed tar stream
 * @param storedSize bytes of the sealed object in the repository
 * @param sha256     hex SHA-256 of the uncompressed tar stream (format 1 parts), else null
 * @param crc32c     hex CRC32C of the uncompressed tar stream (format 2 parts), else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PartInfo(int number, long tarSize, long storedSize, String sha256, String crc32c) {

    public PartInfo {
        if ((sha256 == null) == (crc32c == null)) {
            throw new IllegalArgumentException("part " + number + " needs exactly one of sha256 and crc32c");
        }
    }

    /** The part as its object's trailer describes it. */
    public static PartInfo of(int number, long storedSize, ContentDigest trailer) {
        return trailer.check() == SealCheck.SHA256
                ? new PartInfo(number, trailer.length(), storedSize, trailer.hex(), null)
                : new PartInfo(number, trailer.length(), storedSize, null, trailer.hex());
    }

    /** What the object's trailer must hold. */
    public ContentDigest trailer() {
        return sha256 != null ? new ContentDigest(tarSize, SealCheck.SHA256, sha256)
                : new ContentDigest(tarSize, SealCheck.CRC32C, crc32c);
    }
}
