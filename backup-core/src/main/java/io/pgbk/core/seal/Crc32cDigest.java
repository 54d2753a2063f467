/*
 * CRC32C as a MessageDigest, so that the seal's decorator chains (DigestInputStream,
 * DigestOutputStream) take it as they take SHA-256. The value is the CRC's four bytes,
 * big-endian, as the trailer stores it.
 */
package io.pgbk.core.seal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.zip.CRC32C;

final class Crc32cDigest extends MessageDigest {

    private final CRC32C crc = new CRC32C();

    Crc32cDigest() {
        super("CRC32C");
    }

    @Override
    protected void engineUpdate(byte input) {
        crc.update(input);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int length) {
        crc.update(input, offset, length);
    }

    @Override
    protected void engineUpdate(ByteBuffer input) {
        crc.update(input);
    }

    @Override
    protected int engineGetDigestLength() {
        return Integer.BYTES;
    }

    @Override
    protected byte[] engineDigest() {
        byte[] value = ByteBuffer.allocate(Integer.BYTES).putInt((int) crc.getValue()).array();
        crc.reset();
        return value;
    }

    @Override
    protected void engineReset() {
        crc.reset();
    }
}
