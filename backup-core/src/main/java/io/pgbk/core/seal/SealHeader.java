/*
 * The first bytes of every object pgbk stores: "PGBK", the format version, and the id of the
 * codec the body is compressed with. A reader needs nothing else to decode an object, and
 * anything that is not a pgbk object (or comes from a newer pgbk) is recognised before a
 * decompressor sees it. The format versions differ only in the trailer's check (SealCheck):
 * 1 a SHA-256, 2 a CRC32C.
 */
package io.pgbk.core.seal;

import io.pgbk.core.codec.Compression.Codec;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

public record SealHeader(int formatVersion, Codec codec) {

    /** The newest format this pgbk reads. */
    private static final int NEWEST_FORMAT_VERSION = SealCheck.CRC32C.formatVersion();
    public static final int SIZE = 6;
    private static final byte[] MAGIC = "PGBK".getBytes(StandardCharsets.US_ASCII);

    public static SealHeader of(SealCheck check, Codec codec) {
        return new SealHeader(check.formatVersion(), codec);
    }

    /** The check the trailer of this object carries. */
    public SealCheck check() {
        return SealCheck.ofFormatVersion(formatVersion).orElseThrow();
    }

    public byte[] toBytes() {
        byte[] bytes = Arrays.copyOf(MAGIC, SIZE);
        bytes[4] = (byte) formatVersion;
        bytes[5] = (byte) codec.id();
        return bytes;
    }

    /** Reads and checks the header at the start of in; objectName only serves messages. */
    public static SealHeader read(InputStream in, String objectName) throws IOException {
        byte[] bytes = in.readNBytes(SIZE);
        if (bytes.length < SIZE || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new PgbkException("object " + objectName + " is corrupt: it does not start with a pgbk header");
        }
        int version = Byte.toUnsignedInt(bytes[4]);
        if (SealCheck.ofFormatVersion(version).isEmpty()) {
            throw new PgbkException("object " + objectName + " has format version " + version
                    + ", which this pgbk (formats 1 to " + NEWEST_FORMAT_VERSION + ") cannot read");
        }
        int codecId = Byte.toUnsignedInt(bytes[5]);
        Codec codec = Codec.ofId(codecId).orElseThrow(() -> new PgbkException("object " + objectName
                + " is compressed with codec id " + codecId + ", which this pgbk does not know"));
        return new SealHeader(version, codec);
    }
}
