/*
 * The node's pg_wal as a source of segments for a WAL summary. A segment read here costs no
 * decompression, where its archived copy costs zstd and a checksum over every byte; but pg_wal
 * is PostgreSQL's. The newest segment is being written, and a restartpoint recycles old ones
 * (renames them to future names, to be overwritten) at any moment.
 *
 * So a segment is taken from here early only when it is complete, which its successor proves:
 * PostgreSQL writes WAL in order, one segment after the other, and a successor whose first page
 * header carries the successor's own address was written after this segment was finished (a
 * recycled file under the successor's name still carries its old address). The bytes read are
 * used only if the name still names the same file afterwards; the reader checks every page's
 * address besides, and a segment recycled under it is taken from the repository instead
 * (WalSummaryScan).
 */
package io.pgbk.core.walsummary;

import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

final class LocalSegments {

    /** xlp_magic, xlp_info, xlp_tli and xlp_pageaddr: what proves the successor was written. */
    private static final int HEADER_START = 16;
    private static final int XLP_LONG_HEADER = 0x0002;

    private final Path directory;
    private final WalSegmentSize segmentSize;

    LocalSegments(Path directory, WalSegmentSize segmentSize) {
        this.directory = directory;
        this.segmentSize = segmentSize;
    }

    Path directory() {
        return directory;
    }

    /**
     * The segment's first into.length bytes, in into, if its successor proves it complete and it
     * stayed in place while read; empty otherwise (not there, not finished, recycled meanwhile).
     */
    Optional<byte[]> complete(WalSegmentName name, WalSegmentName successor, byte[] into) {
        try {
            if (!written(successor)) {
                return Optional.empty();
            }
            return read(name, into);
        } catch (IOException e) {
            // recycled while read, or unreadable: the archived copy serves
            return Optional.empty();
        }
    }

    /**
     * The segment's first into.length bytes, in into, whatever its state; empty when it is not
     * there. Fails when it was recycled while read or is not a whole segment.
     */
    Optional<byte[]> read(WalSegmentName name, byte[] into) throws IOException {
        Path file = directory.resolve(name.toString());
        try {
            Object before = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            byte[] bytes = into;
            long size;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                size = channel.size();
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) >= 0) {
                    // fill the array
                }
            }
            Object after = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            if (before == null || !Objects.equals(before, after)) {
                throw new IOException(file + " was recycled while it was read");
            }
            if (size != segmentSize.bytes()) {
                throw new IOException(file + " is not a whole segment of " + segmentSize);
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Whether the segment's first page header is there with the segment's own address. */
    private boolean written(WalSegmentName name) throws IOException {
        byte[] header = new byte[HEADER_START];
        try (InputStream in = Files.newInputStream(directory.resolve(name.toString()))) {
            if (in.readNBytes(header, 0, HEADER_START) < HEADER_START) {
                return false;
            }
        } catch (NoSuchFileException e) {
            return false;
        }
        ByteBuffer page = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        return page.getShort(0) != 0 && (page.getShort(2) & XLP_LONG_HEADER) != 0
                && page.getLong(8) == name.startLsn(segmentSize).value();
    }
}
