/*
 * What an object's content is: its length and a check of its bytes (SealCheck), both of the
 * uncompressed bytes so that the same content stored with different codecs has the same digest.
 * It is the trailer of every sealed object (big-endian length, then the raw check value): a
 * SHA-256 (40 bytes) for a manifest, whose identity it is, a CRC32C (12 bytes) for backup parts
 * and WAL files. Verify recomputes either.
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
import java.util.Locale;
import java.util.regex.Pattern;

public record ContentDigest(long length, SealCheck check, String hex) {

    /** The trailer of a format 1 (SHA-256) seal, which manifests carry (and WAL files archived before CRC32C seals). */
    public static final int TRAILER_SIZE = SealCheck.SHA256.trailerSize();
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    public ContentDigest {
        if (length < 0 || check == null || hex == null || hex.length() != check.size() * 2
                || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("invalid content digest " + length + " " + check + " " + hex);
        }
    }

    /** The SHA-256 of the content, in hex; only a SHA-256 digest has one. */
    public String sha256() {
        if (check != SealCheck.SHA256) {
            throw new IllegalStateException("a " + check + " digest has no SHA-256");
        }
        return hex;
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
        return finish(length, digesting.getMessageDigest());
    }

    /** Completes a running check (a SHA-256, or SealCheck's CRC32C) over length bytes. */
    public static ContentDigest finish(long length, MessageDigest running) {
        return new ContentDigest(length, SealCheck.of(running), HexFormat.of().formatHex(running.digest()));
    }

    /** Decodes a trailer carrying check. */
    public static ContentDigest fromTrailer(byte[] trailer, SealCheck check, String objectName) {
        ByteBuffer buffer = ByteBuffer.wrap(trailer);
        long length = trailer.length == check.trailerSize() ? buffer.getLong() : -1;
        if (length < 0) {
            throw new PgbkException("object " + objectName + " is corrupt: its trailer is damaged");
        }
        byte[] value = new byte[check.size()];
        buffer.get(value);
        return new ContentDigest(length, check, HexFormat.of().formatHex(value));
    }

    public byte[] toTrailer() {
        return ByteBuffer.allocate(check.trailerSize()).putLong(length).put(HexFormat.of().parseHex(hex)).array();
    }

    /** For messages: the length and enough of the check to tell two contents apart. */
    public String describe() {
        return length + " bytes, " + check.name().toLowerCase(Locale.ROOT) + " "
                + (hex.length() > 16 ? hex.substring(0, 16) + "..." : hex);
    }
}
