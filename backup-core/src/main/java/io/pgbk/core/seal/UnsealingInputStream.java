/*
 * Reads a sealed object back: checks the header, decompresses the body with the codec the
 * header names, and at the end of the content compares its length and check (the SHA-256 or
 * CRC32C that the header's format names) with the trailer. The chain mirrors the writing one
 * (store -> hold back the trailer -> decompress -> count -> check), so one GET of unknown
 * length is enough.
 *
 * A damaged object fails with a PgbkException naming it; it fails at the latest when read
 * returns the end of the content, so a reader must read to the end before trusting (or
 * publishing) what it read. A failure of the store itself is reported as unreadable, not as
 * corrupt.
 */
package io.pgbk.core.seal;

import io.pgbk.core.stream.CountingInputStream;
import io.pgbk.core.stream.HoldbackInputStream;
import io.pgbk.error.PgbkException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.util.Optional;

public final class UnsealingInputStream extends InputStream {

    private final String objectName;
    private final StoreSide store;
    private final HoldbackInputStream body;
    private final CountingInputStream counter;
    private final SealCheck check;
    private final DigestInputStream chain;
    private ContentDigest verified;

    private UnsealingInputStream(String objectName, StoreSide store, HoldbackInputStream body,
            CountingInputStream counter, SealCheck check) {
        this.objectName = objectName;
        this.store = store;
        this.body = body;
        this.counter = counter;
        this.check = check;
        this.chain = new DigestInputStream(counter, check.newDigest());
    }

    /** Starts reading the object objectName from its stored bytes; closing the result closes stored. */
    public static UnsealingInputStream open(InputStream stored, String objectName) {
        StoreSide store = new StoreSide(stored);
        try {
            SealHeader header = SealHeader.read(store, objectName);
            SealCheck check = header.check();
            HoldbackInputStream body = new HoldbackInputStream(store, check.trailerSize());
            CountingInputStream counter = new CountingInputStream(header.codec().decompressing(body));
            return new UnsealingInputStream(objectName, store, body, counter, check);
        } catch (IOException | RuntimeException e) {
            closeQuietly(store, e);
            throw failure(objectName, store, e);
        }
    }

    /** The verified length and check of the content, once read has returned its end. */
    public Optional<ContentDigest> digest() {
        return Optional.ofNullable(verified);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (verified != null) {
            return -1;
        }
        try {
            int n = chain.read(b, off, len);
            return n < 0 ? verifyTrailer() : n;
        } catch (IOException | RuntimeException e) {
            throw failure(objectName, store, e);
        }
    }

    @Override
    public void close() throws IOException {
        chain.close();
    }

    private int verifyTrailer() throws IOException {
        if (body.read() >= 0) {
            throw corrupt(objectName, "data follows the end of its compressed body");
        }
        ContentDigest stored = ContentDigest.fromTrailer(body.heldBack(), check, objectName);
        ContentDigest actual = ContentDigest.finish(counter.count(), chain.getMessageDigest());
        if (stored.length() != actual.length()) {
            throw corrupt(objectName, "length mismatch (" + stored.length() + " bytes sealed, "
                    + actual.length() + " read)");
        }
        if (!stored.equals(actual)) {
            throw corrupt(objectName, "checksum mismatch");
        }
        verified = actual;
        return -1;
    }

    private static PgbkException failure(String objectName, StoreSide store, Exception e) {
        if (e instanceof PgbkException pgbk) {
            return pgbk;
        }
        if (store.failed) {
            return new PgbkException("cannot read object " + objectName + ": " + e.getMessage(), e);
        }
        return new PgbkException("object " + objectName + " is corrupt: " + e.getMessage(), e);
    }

    private static PgbkException corrupt(String objectName, String why) {
        return new PgbkException("object " + objectName + " is corrupt: " + why);
    }

    private static void closeQuietly(InputStream in, Exception failure) {
        try {
            in.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** The stored bytes; remembers whether the store failed, so a decoder's error can be told apart. */
    private static final class StoreSide extends FilterInputStream {
        private boolean failed;

        StoreSide(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                failed = true;
                throw e;
            }
        }
    }
}
