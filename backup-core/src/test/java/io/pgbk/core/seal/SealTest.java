package io.pgbk.core.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.codec.Compression;
import io.pgbk.error.PgbkException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SealTest {

    private static final String NAME = "main/wal/0000000100000000/000000010000000000000001";

    @ParameterizedTest
    @ValueSource(strings = {"none", "zstd", "lz4"})
    void unsealsWhatWasSealedAndAgreesOnTheDigest(String spec) throws IOException {
        byte[] content = content(1_000_000);
        SealingInputStream sealing = new SealingInputStream(new ByteArrayInputStream(content), Compression.parse(spec));
        assertThat(sealing.digest()).isEmpty();
        byte[] sealed = sealing.readAllBytes();
        ContentDigest expected = ContentDigest.of(new ByteArrayInputStream(content));
        assertThat(sealing.digest()).contains(expected);
        assertThat(Arrays.copyOf(sealed, 4)).isEqualTo("PGBK".getBytes());
        assertThat(Arrays.copyOfRange(sealed, sealed.length - ContentDigest.TRAILER_SIZE, sealed.length))
                .isEqualTo(expected.toTrailer());

        try (UnsealingInputStream in = UnsealingInputStream.open(new ByteArrayInputStream(sealed), NAME)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
            assertThat(in.digest()).contains(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "zstd", "lz4"})
    void aCrc32cSealIsFormatTwoWithATwelveByteTrailerAndCatchesDamage(String spec) throws IOException {
        byte[] content = content(300_000);
        SealingInputStream sealing = new SealingInputStream(new ByteArrayInputStream(content), Compression.parse(spec),
                SealCheck.CRC32C);
        byte[] sealed = sealing.readAllBytes();
        CRC32C crc = new CRC32C();
        crc.update(content);
        ContentDigest expected = new ContentDigest(content.length, SealCheck.CRC32C,
                String.format("%08x", crc.getValue()));
        assertThat(sealing.digest()).contains(expected);
        assertThat(sealed[4]).isEqualTo((byte) 2);
        assertThat(Arrays.copyOfRange(sealed, sealed.length - 12, sealed.length)).isEqualTo(expected.toTrailer());
        assertThat(sealed.length).isEqualTo(seal(content, Compression.parse(spec)).length - 28);
        assertThat(expected.describe()).isEqualTo(content.length + " bytes, crc32c " + expected.hex());
        assertThatThrownBy(expected::sha256).isInstanceOf(IllegalStateException.class);

        try (UnsealingInputStream in = UnsealingInputStream.open(new OneByteAtATime(sealed), NAME)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
            assertThat(in.digest()).contains(expected);
        }
        for (int position : new int[] {SealHeader.SIZE + 10, sealed.length / 2, sealed.length - 13,
                sealed.length - 5, sealed.length - 1}) {
            byte[] damaged = sealed.clone();
            damaged[position] ^= 0x01;
            assertThatThrownBy(() -> readAll(damaged)).as("flipped byte at %d", position)
                    .isInstanceOf(PgbkException.class).hasMessageStartingWith("object " + NAME + " is corrupt: ");
        }
        assertThatThrownBy(() -> readAll(Arrays.copyOf(sealed, sealed.length - 1))).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("object " + NAME + " is corrupt: ");
    }

    @Test
    void sealsEmptyContentAndReadsItInTinySteps() throws IOException {
        byte[] sealed = seal(new byte[0], Compression.DEFAULT);
        try (UnsealingInputStream in = UnsealingInputStream.open(new ByteArrayInputStream(sealed), NAME)) {
            assertThat(in.read()).isEqualTo(-1);
            assertThat(in.digest()).map(ContentDigest::length).contains(0L);
        }
        byte[] content = content(100_000);
        byte[] sealedContent = seal(content, Compression.parse("zstd"));
        try (UnsealingInputStream in = UnsealingInputStream.open(new OneByteAtATime(sealedContent), NAME)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "zstd", "lz4"})
    void detectsAFlippedByteAnywhere(String spec) throws IOException {
        byte[] content = content(200_000);
        byte[] sealed = seal(content, Compression.parse(spec));
        int[] positions = {SealHeader.SIZE + 10, sealed.length / 2, sealed.length - ContentDigest.TRAILER_SIZE - 1,
                sealed.length - 20, sealed.length - 1};
        for (int position : positions) {
            byte[] damaged = sealed.clone();
            damaged[position] ^= 0x01;
            assertThatThrownBy(() -> readAll(damaged)).as("flipped byte at %d", position)
                    .isInstanceOf(PgbkException.class).hasMessageStartingWith("object " + NAME + " is corrupt: ");
        }
        byte[] damagedContent = sealed.clone();
        damagedContent[sealed.length / 2] ^= 0x01;
        if (spec.equals("none")) {
            assertThatThrownBy(() -> readAll(damagedContent)).hasMessage("object " + NAME + " is corrupt: checksum mismatch");
        }
    }

    @Test
    void detectsTruncationAndForeignObjects() throws IOException {
        byte[] sealed = seal(content(50_000), Compression.NONE);
        assertThatThrownBy(() -> readAll(Arrays.copyOf(sealed, sealed.length - 1))).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("object " + NAME + " is corrupt: ");
        assertThatThrownBy(() -> readAll(Arrays.copyOf(sealed, 20))).isInstanceOf(PgbkException.class)
                .hasMessage("object " + NAME + " is corrupt: its trailer is damaged");
        assertThatThrownBy(() -> readAll("not a pgbk object".getBytes())).isInstanceOf(PgbkException.class)
                .hasMessage("object " + NAME + " is corrupt: it does not start with a pgbk header");

        byte[] newer = sealed.clone();
        newer[4] = 3;
        assertThatThrownBy(() -> readAll(newer)).isInstanceOf(PgbkException.class)
                .hasMessage("object " + NAME + " has format version 3, which this pgbk (formats 1 to 2) cannot read");
        byte[] unknownCodec = sealed.clone();
        unknownCodec[5] = 7;
        assertThatThrownBy(() -> readAll(unknownCodec)).isInstanceOf(PgbkException.class)
                .hasMessage("object " + NAME + " is compressed with codec id 7, which this pgbk does not know");
    }

    @Test
    void reportsAFailingStoreAsUnreadableNotCorrupt() throws IOException {
        byte[] sealed = seal(content(300_000), Compression.DEFAULT);
        InputStream failing = new InputStream() {
            private final InputStream delegate = new ByteArrayInputStream(sealed, 0, 100_000);

            @Override
            public int read() throws IOException {
                int b = delegate.read();
                if (b < 0) {
                    throw new IOException("connection reset");
                }
                return b;
            }
        };
        assertThatThrownBy(() -> {
            try (UnsealingInputStream in = UnsealingInputStream.open(failing, NAME)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        }).isInstanceOf(PgbkException.class).hasMessage("cannot read object " + NAME + ": connection reset");
    }

    private static void readAll(byte[] sealed) throws IOException {
        try (UnsealingInputStream in = UnsealingInputStream.open(new ByteArrayInputStream(sealed), NAME)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static byte[] seal(byte[] content, Compression compression) throws IOException {
        try (SealingInputStream in = new SealingInputStream(new ByteArrayInputStream(content), compression)) {
            return in.readAllBytes();
        }
    }

    /** Half random, half repetitive: both the compressor's paths are exercised. */
    private static byte[] content(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        Arrays.fill(bytes, length / 2, length, (byte) 'x');
        return bytes;
    }

    /** A stream that hands out one byte per read, like a slow network. */
    private static final class OneByteAtATime extends InputStream {
        private final byte[] bytes;
        private int position;

        OneByteAtATime(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (position >= bytes.length) {
                return -1;
            }
            b[off] = bytes[position++];
            return 1;
        }
    }
}
