/*
 * What a sealed object's trailer proves about its content, named by the format version in the
 * header. Format 1 carries a SHA-256: the identity the manifest of a backup is stored under (and
 * what WAL files archived by earlier versions carry). Format 2 carries a CRC32C, for backup parts
 * and WAL files: it needs only to catch a damaged or truncated object (a re-pushed WAL file is
 * compared byte for byte, WalArchive), and a SHA-256 over every byte cost a quarter of a backup's
 * CPU time and most of a WAL fetch's under C1 (docs/repository-format.md). The JVM computes
 * CRC32C with the CPU's own instruction.
 */
package io.pgbk.core.seal;

import java.security.MessageDigest;
import java.util.Optional;

public enum SealCheck {
    SHA256(1, 32) {
        @Override
        public MessageDigest newDigest() {
            return ContentDigest.newSha256();
        }
    },
    CRC32C(2, Integer.BYTES) {
        @Override
        public MessageDigest newDigest() {
            return new Crc32cDigest();
        }
    };

    private final int formatVersion;
    private final int size;

    SealCheck(int formatVersion, int size) {
        this.formatVersion = formatVersion;
        this.size = size;
    }

    /** The seal format version whose trailer carries this check. */
    public int formatVersion() {
        return formatVersion;
    }

    /** Bytes of the check value in the trailer (after the 8-byte length). */
    public int size() {
        return size;
    }

    /** Bytes of the whole trailer: the content's length and the check value. */
    public int trailerSize() {
        return Long.BYTES + size;
    }

    /** A fresh running check, as a MessageDigest so that it fits java.security's stream decorators. */
    public abstract MessageDigest newDigest();

    /** The check of a seal format version, or empty for a version this pgbk does not know. */
    public static Optional<SealCheck> ofFormatVersion(int version) {
        for (SealCheck check : values()) {
            if (check.formatVersion == version) {
                return Optional.of(check);
            }
        }
        return Optional.empty();
    }

    /** The check whose running digest this is. */
    static SealCheck of(MessageDigest digest) {
        return digest instanceof Crc32cDigest ? CRC32C : SHA256;
    }
}
