/*
 * How pgbk compresses what it stores: a codec and a level, written "zstd", "zstd:3", "lz4",
 * "lz4:9" or "none", applied as stream decorators so that nothing is ever held whole in memory.
 *
 * The default is zstd level 1. Measured here on 48 MiB of PostgreSQL 15 WAL carrying random
 * md5 text (zstd CLI, same libzstd, one thread): level 1 gave 17.2 MiB in 280-430 ms, level 3
 * 18.4 MiB in 500-770 ms. On pgbench WAL (80 MiB, 12x compressible) level 3 was 10% smaller
 * and no slower. Level 1 is never much worse and is the cheaper one where it matters, on data
 * that compresses poorly, with the CPU shared with PostgreSQL; decompression, which a restore
 * waits on, is about 60 ms for 50 MiB at either level. lz4 (faster, 1.8x larger) is for
 * machines where zstd cannot keep up; none for data that is already compressed or encrypted.
 *
 * Each codec has a one-byte id written into the header of every stored object, so a reader
 * needs no configuration and objects of different codecs can live side by side. The level only
 * matters when writing, which is why decompression hangs off the codec alone: a reader must use
 * the codec named in what it reads, never the one configured for writing.
 */
package io.pgbk.core.codec;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;

public record Compression(Codec codec, int level) {

    public static final Compression DEFAULT = new Compression(Codec.ZSTD, 1);
    public static final Compression NONE = new Compression(Codec.NONE, 0);

    public enum Codec {
        NONE(0, 0, 0, 0) {
            @Override
            OutputStream compressing(OutputStream out, int level) {
                return out;
            }

            @Override
            public InputStream decompressing(InputStream in) {
                return in;
            }
        },
        ZSTD(1, 1, 1, 22) {
            @Override
            OutputStream compressing(OutputStream out, int level) throws IOException {
                return new ZstdOutputStreamNoFinalizer(out, level);
            }

            @Override
            public InputStream decompressing(InputStream in) throws IOException {
                return new ZstdInputStreamNoFinalizer(in);
            }
        },
        /** Level 1 is lz4's fast compressor; 2 to 12 its high-compression mode, as the lz4 tool numbers them. */
        LZ4(2, 1, 1, 12) {
            @Override
            OutputStream compressing(OutputStream out, int level) throws IOException {
                LZ4Factory factory = LZ4Factory.fastestInstance();
                return new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, -1L,
                        level == 1 ? factory.fastCompressor() : factory.highCompressor(level),
                        XXHashFactory.fastestInstance().hash32(), LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
            }

            @Override
            public InputStream decompressing(InputStream in) throws IOException {
                return new LZ4FrameInputStream(in);
            }
        };

        private final int id;
        private final int defaultLevel;
        private final int minLevel;
        private final int maxLevel;

        Codec(int id, int defaultLevel, int minLevel, int maxLevel) {
            this.id = id;
            this.defaultLevel = defaultLevel;
            this.minLevel = minLevel;
            this.maxLevel = maxLevel;
        }

        /** The byte that names this codec in a stored object's header. */
        public int id() {
            return id;
        }

        /** The codec of a stored object's header byte, or empty for an id this version does not know. */
        public static Optional<Codec> ofId(int id) {
            for (Codec codec : values()) {
                if (codec.id == id) {
                    return Optional.of(codec);
                }
            }
            return Optional.empty();
        }

        abstract OutputStream compressing(OutputStream out, int level) throws IOException;

        /** Wraps in so that reading it yields the decompressed bytes; closing it closes in. */
        public abstract InputStream decompressing(InputStream in) throws IOException;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Compression {
        if (level < codec.minLevel || level > codec.maxLevel) {
            throw new PgbkException("invalid " + codec + " level " + level + ": expected "
                    + codec.minLevel + " to " + codec.maxLevel);
        }
    }

    /** Parses "zstd", "zstd:3", "lz4", "lz4:9" or "none". */
    public static Compression parse(String text) {
        String[] parts = text == null ? new String[] {""} : text.trim().split(":", -1);
        Codec codec = null;
        for (Codec candidate : Codec.values()) {
            if (candidate.toString().equalsIgnoreCase(parts[0])) {
                codec = candidate;
            }
        }
        if (codec == null || parts.length > 2 || (codec == Codec.NONE && parts.length == 2)) {
            throw new PgbkException("invalid compression '" + text + "': expected zstd[:1-22], lz4[:1-12] or none");
        }
        if (parts.length == 1) {
            return new Compression(codec, codec.defaultLevel);
        }
        try {
            return new Compression(codec, Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new PgbkException("invalid compression '" + text + "': the level must be a number");
        }
    }

    /** Wraps out so that bytes written to it reach out compressed; closing it ends the frame and closes out. */
    public OutputStream compressing(OutputStream out) throws IOException {
        return codec.compressing(out, level);
    }

    @Override
    public String toString() {
        return codec == Codec.NONE ? codec.toString() : codec + ":" + level;
    }
}
