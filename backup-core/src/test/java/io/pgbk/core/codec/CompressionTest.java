package io.pgbk.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.codec.Compression.Codec;
import io.pgbk.error.PgbkException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CompressionTest {

    @Test
    void parsesCodecAndOptionalLevel() {
        assertThat(Compression.parse("zstd")).isEqualTo(new Compression(Codec.ZSTD, 1)).isEqualTo(Compression.DEFAULT);
        assertThat(Compression.parse("zstd:3")).isEqualTo(new Compression(Codec.ZSTD, 3));
        assertThat(Compression.parse("ZSTD:19")).isEqualTo(new Compression(Codec.ZSTD, 19));
        assertThat(Compression.parse("lz4")).isEqualTo(new Compression(Codec.LZ4, 1));
        assertThat(Compression.parse("lz4:9")).isEqualTo(new Compression(Codec.LZ4, 9));
        assertThat(Compression.parse("none")).isEqualTo(Compression.NONE);
        assertThat(Compression.parse("zstd:3")).hasToString("zstd:3");
        assertThat(Compression.NONE).hasToString("none");
    }

    @Test
    void refusesUnknownCodecsAndLevelsOutOfRange() {
        for (String bad : new String[] {"", "gzip", "zstd:", "zstd:x", "zstd:1:2", "none:1", "zst"}) {
            assertThatThrownBy(() -> Compression.parse(bad)).as(bad).isInstanceOf(PgbkException.class)
                    .hasMessageStartingWith("invalid compression '" + bad + "'");
        }
        assertThatThrownBy(() -> Compression.parse("zstd:23")).isInstanceOf(PgbkException.class)
                .hasMessage("invalid zstd level 23: expected 1 to 22");
        assertThatThrownBy(() -> Compression.parse("lz4:0")).isInstanceOf(PgbkException.class)
                .hasMessage("invalid lz4 level 0: expected 1 to 12");
    }

    @Test
    void codecIdsAreStable() {
        assertThat(Codec.NONE.id()).isZero();
        assertThat(Codec.ZSTD.id()).isEqualTo(1);
        assertThat(Codec.LZ4.id()).isEqualTo(2);
        assertThat(Codec.ofId(2)).contains(Codec.LZ4);
        assertThat(Codec.ofId(9)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "zstd", "zstd:9", "lz4", "lz4:9"})
    void roundTripsCompressibleAndRandomData(String spec) throws IOException {
        Compression compression = Compression.parse(spec);
        byte[] text = "WAL compresses well: the same page headers over and over. ".repeat(20_000).getBytes();
        byte[] random = new byte[300_000];
        new Random(42).nextBytes(random);
        for (byte[] original : new byte[][] {text, random, new byte[0]}) {
            byte[] compressed = compress(compression, original);
            if (original == text && compression.codec() != Codec.NONE) {
                assertThat(compressed.length).isLessThan(original.length / 10);
            }
            try (InputStream in = compression.codec().decompressing(new ByteArrayInputStream(compressed))) {
                assertThat(in.readAllBytes()).isEqualTo(original);
            }
        }
    }

    private static byte[] compress(Compression compression, byte[] original) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = compression.compressing(sink)) {
            for (int off = 0; off < original.length; off += 7000) {
                out.write(original, off, Math.min(7000, original.length - off));
            }
        }
        return sink.toByteArray();
    }
}
