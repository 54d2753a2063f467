/*
 * What an object's content is, in 40 bytes: its length and SHA-256, both of the uncompressed
 * bytes so that the same content stored with different codecs has the same digest. It is the
 * trailer of every sealed object (big-endian length, then the raw hash), the identity compared
 * when archive_command retries a push, and what verify recomputes.
 */
package io.pgbk.core.seal;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

public record ContentDigest(long length, String sha256) {

    public static final int TRAILER_SIZE = Long.BYTES + 32;
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public ContentDigest {
        if (length < 0 || sha256 == null || !SHA256_HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("invalid content digest " + length + " " + sha256);
        }
    }

    /** A fresh SHA-256, which every Java runtime must provide. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the Java runtime has no SHA-256", e);
        }
    }

    /** The digest of everything left in in (which is read to its end, not closed). */
    public static ContentDigest of(InputStream in) throws IOException {
        DigestInputStream digesting = new DigestInputStream(in, newSha256());
        long length = digesting.transferTo(OutputStream.nullOutputStream());
        return new ContentDigest(length, HexFormat.of().formatHex(digesting.getMessageDigest().digest()));
    }

    /** Completes a running SHA-256 over length bytes. */
    public static ContentDigest finish(long length, MessageDigest sha256) {
        return new ContentDigest(length, HexFormat.of().formatHex(sha256.digest()));
    }

    /** Decodes the trailer of the object objectName (named in the message when it is damaged). */
    public static ContentDigest fromTrailer(byte[] trailer, String objectName) {
        ByteBuffer buffer = ByteBuffer.wrap(trailer);
        long length = trailer.length == TRAILER_SIZE ? buffer.getLong() : -1;
        if (length < 0) {
            throw new PgbkException("object " + objectName + " is corrupt: its trailer is damaged");
        }
        byte[] hash = new byte[32];
        buffer.get(hash);
        return new ContentDigest(length, HexFormat.of().formatHex(hash));
    }

    public byte[] toTrailer() {
        return ByteBuffer.allocate(TRAILER_SIZE).putLong(length).put(HexFormat.of().parseHex(sha256)).array();
    }

    /** For messages: the length and enough of the hash to tell two contents apart. */
    public String describe() {
        return length + " bytes, sha256 " + sha256.substring(0, 16) + "...";
    }
}
