package io.pgbk.core.walsummary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSegmentsTest {
    private static final WalSegmentSize ONE_MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final WalSegmentName SEGMENT = WalSegmentName.ofSegmentNumber(TimelineId.FIRST, 7, ONE_MIB);
    private static final WalSegmentName SUCCESSOR = WalSegmentName.ofSegmentNumber(TimelineId.FIRST, 8, ONE_MIB);

    @TempDir
    Path pgWal;

    @Test
    void aSegmentWhoseSuccessorCarriesItsOwnAddressIsComplete() throws IOException {
        write(SEGMENT, SEGMENT);
        write(SUCCESSOR, SUCCESSOR);

        assertThat(new LocalSegments(pgWal, ONE_MIB).complete(SEGMENT, SUCCESSOR, new byte[4096]))
                .hasValueSatisfying(bytes -> assertThat(address(bytes)).isEqualTo(address(SEGMENT)));
    }

    @Test
    void withoutAWrittenSuccessorASegmentMayStillBeBeingWritten() throws IOException {
        write(SEGMENT, SEGMENT);
        LocalSegments local = new LocalSegments(pgWal, ONE_MIB);
        assertThat(local.complete(SEGMENT, SUCCESSOR, new byte[4096])).as("no successor").isEmpty();

        write(SUCCESSOR, WalSegmentName.ofSegmentNumber(TimelineId.FIRST, 2, ONE_MIB));
        assertThat(local.complete(SEGMENT, SUCCESSOR, new byte[4096])).as("a recycled file under the successor's name")
                .isEmpty();

        Files.write(pgWal.resolve(SUCCESSOR.toString()), new byte[ONE_MIB.bytes()]);
        assertThat(local.complete(SEGMENT, SUCCESSOR, new byte[4096])).as("a successor of zeros").isEmpty();

        assertThat(local.read(SEGMENT, new byte[4096])).as("read regardless, once the end is known to lie in it").isPresent();
    }

    @Test
    void aFileThatIsNotAWholeSegmentIsRefused() throws IOException {
        Files.write(pgWal.resolve(SEGMENT.toString()), new byte[8192]);

        assertThatThrownBy(() -> new LocalSegments(pgWal, ONE_MIB).read(SEGMENT, new byte[4096]))
                .hasMessageContaining("is not a whole segment");
        assertThat(new LocalSegments(pgWal, ONE_MIB).read(SUCCESSOR, new byte[4096])).as("missing").isEmpty();
    }

    /** A segment file named name whose first page header says it is at address's start. */
    private void write(WalSegmentName name, WalSegmentName address) throws IOException {
        ByteBuffer segment = ByteBuffer.allocate(ONE_MIB.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        segment.putShort(0, (short) 0xD110).putShort(2, (short) 0x0002).putInt(4, 1)
                .putLong(8, address.startLsn(ONE_MIB).value());
        Files.write(pgWal.resolve(name.toString()), segment.array());
    }

    private static long address(byte[] segment) {
        return ByteBuffer.wrap(segment).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
    }

    private static long address(WalSegmentName name) {
        return name.startLsn(ONE_MIB).value();
    }
}
