/*
 * Builds WAL segment files byte by byte for tests that need no server: a valid long page header
 * (as PostgreSQL 15 writes it on x86-64) followed by random, incompressible payload.
 */
package io.pgbk.core.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

public record SyntheticSegment(int magic, int info, long pageTimeline, long pageAddress, long systemIdentifier,
        int segmentSize, int walBlockSize) {

    public static final int PG15_MAGIC = 0xD110;
    public static final int XLP_LONG_HEADER = 0x0002;

    /** The header PostgreSQL 15 would write at the start of segment for system. */
    public static SyntheticSegment of(long systemIdentifier, WalSegmentName segment, WalSegmentSize size) {
        return new SyntheticSegment(PG15_MAGIC, XLP_LONG_HEADER, segment.timeline().value(),
                segment.startLsn(size).value(), systemIdentifier, size.bytes(), 8192);
    }

    public SyntheticSegment withSystemIdentifier(long other) {
        return new SyntheticSegment(magic, info, pageTimeline, pageAddress, other, segmentSize, walBlockSize);
    }

    public SyntheticSegment withMagic(int other) {
        return new SyntheticSegment(other, info, pageTimeline, pageAddress, systemIdentifier, segmentSize, walBlockSize);
    }

    public SyntheticSegment withInfo(int other) {
        return new SyntheticSegment(magic, other, pageTimeline, pageAddress, systemIdentifier, segmentSize, walBlockSize);
    }

    public SyntheticSegment withSegmentSize(int other) {
        return new SyntheticSegment(magic, info, pageTimeline, pageAddress, systemIdentifier, other, walBlockSize);
    }

    public byte[] header() {
        ByteBuffer header = ByteBuffer.allocate(WalSegmentHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        header.putShort(0, (short) magic);
        header.putShort(2, (short) info);
        header.putInt(4, (int) pageTimeline);
        header.putLong(8, pageAddress);
        header.putInt(16, 0);
        header.putLong(24, systemIdentifier);
        header.putInt(32, segmentSize);
        header.putInt(36, walBlockSize);
        return header.array();
    }

    /** The header followed by length - 40 random bytes drawn from seed. */
    public byte[] bytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        System.arraycopy(header(), 0, bytes, 0, WalSegmentHeader.SIZE);
        return bytes;
    }

    /** Writes a full-size segment named name into directory. */
    public Path write(Path directory, String name, long seed) throws IOException {
        return Files.write(directory.resolve(name), bytes(segmentSize, seed));
    }
}
