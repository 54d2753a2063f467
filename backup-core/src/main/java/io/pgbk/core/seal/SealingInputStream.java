/*
 * Turns content into a sealed object as it is read: header, compressed body, trailer. The
 * content flows through one chain of decorators (SHA-256 -> byte count -> compressor) into a
 * small buffer that this stream hands out, so an object store's put(key, InputStream) can pull
 * the sealed bytes straight from the source file: no pipe, no extra thread, and no more memory
 * than one chunk and its compressed form, whatever the object's size.
 */
package io.pgbk.core.seal;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.stream.CountingOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestOutputStream;
import java.util.Optional;

public final class SealingInputStream extends InputStream {

    private static final int CHUNK = 64 * 1024;

    private final InputStream content;
    private final Pending pending = new Pending();
    private final CountingOutputStream counter;
    private final DigestOutputStream chain;
    private final byte[] chunk = new byte[CHUNK];
    private boolean chainClosed;
    private ContentDigest digest;

    /** Seals content with compression and a SHA-256 trailer; closing this stream closes content. */
    public SealingInputStream(InputStream content, Compression compression) throws IOException {
        this(content, compression, SealCheck.SHA256);
    }

    /** Seals content with compression and a trailer carrying check; closing this stream closes content. */
    public SealingInputStream(InputStream content, Compression compression, SealCheck check) throws IOException {
        this.content = content;
        pending.write(SealHeader.of(check, compression.codec()).toBytes());
        counter = new CountingOutputStream(compression.compressing(pending));
        chain = new DigestOutputStream(counter, check.newDigest());
    }

    /** The digest of the content, once this stream has been read to its end. */
    public Optional<ContentDigest> digest() {
        return Optional.ofNullable(digest);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pending.isEmpty() && digest == null) {
            pull();
        }
        return pending.isEmpty() ? -1 : pending.drainTo(b, off, len);
    }

    @Override
    public void close() throws IOException {
        try (content) {
            closeChain();
        }
    }

    /** Moves one chunk of content through the chain, or finishes the object at the content's end. */
    private void pull() throws IOException {
        int n = content.read(chunk);
        if (n > 0) {
            chain.write(chunk, 0, n);
        } else if (n < 0) {
            closeChain();
            digest = ContentDigest.finish(counter.count(), chain.getMessageDigest());
            pending.write(digest.toTrailer());
        }
    }

    /** Ends the compressed frame (and frees a native compressor): once, on the last chunk or on close. */
    private void closeChain() throws IOException {
        if (!chainClosed) {
            chainClosed = true;
            chain.close();
        }
    }

    /** Sealed bytes produced but not yet handed out (closing it, as the chain does, changes nothing). */
    private static final class Pending extends ByteArrayOutputStream {
        private int position;

        boolean isEmpty() {
            return position == count;
        }

        int drainTo(byte[] b, int off, int len) {
            int n = Math.min(len, count - position);
            System.arraycopy(buf, position, b, off, n);
            position += n;
            if (position == count) {
                reset();
                position = 0;
            }
            return n;
        }
    }
}
