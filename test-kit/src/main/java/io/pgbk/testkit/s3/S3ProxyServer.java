/*
 * An S3-compatible server inside the test JVM (S3Proxy, the same server the project's CI uses),
 * so S3 code is tested against a real HTTP server speaking the S3 protocol rather than a mock:
 * signatures are checked, multipart uploads, paging and error codes are the server's own.
 *
 * The blob store outlives stop()/start(): stopping simulates an outage of the endpoint, and
 * starting again on the same port is its recovery, with the objects still there.
 */
package io.pgbk.testkit.s3;

import io.pgbk.testkit.net.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

public final class S3ProxyServer implements AutoCloseable {

    /** Where the objects live: in memory, or in files of a temporary directory. */
    public enum Backend { TRANSIENT, FILESYSTEM }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final BlobStore blobStore;
    private final Path directory;
    private final int port;
    private final String accessKey;
    private final String secretKey;
    private final String bucket;
    private S3Proxy proxy;

    private S3ProxyServer(BlobStore blobStore, Path directory, String accessKey, String secretKey, String bucket) {
        this.blobStore = blobStore;
        this.directory = directory;
        this.port = FreePorts.next();
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.bucket = bucket;
    }

    /** An in-memory server with a bucket named "pgbk-test" and freshly generated keys. */
    public static S3ProxyServer launch() {
        return launch(Backend.TRANSIENT, "access-" + UUID.randomUUID(), "secret-" + UUID.randomUUID(), "pgbk-test");
    }

    public static S3ProxyServer launch(Backend backend, String accessKey, String secretKey, String bucket) {
        Path directory = null;
        BlobStore blobStore;
        try {
            if (backend == Backend.FILESYSTEM) {
                directory = Files.createTempDirectory("s3proxy-");
                blobStore = new FilesystemNio2BlobStore(directory.toString());
            } else {
                blobStore = new TransientNio2BlobStore();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a directory for S3Proxy", e);
        }
        S3ProxyServer server = new S3ProxyServer(blobStore, directory, accessKey, secretKey, bucket);
        try {
            blobStore.createContainer(bucket);
            server.start();
            return server;
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
    }

    /** Starts serving again on the same port, with the same objects, after stop(). */
    public synchronized void start() {
        if (proxy != null) {
            return;
        }
        S3Proxy starting = S3Proxy.builder()
                .blobStore(blobStore)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .stopTimeout(0)
                .build();
        try {
            starting.start();
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (!"STARTED".equals(starting.getState())) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("S3Proxy did not start within " + START_TIMEOUT
                            + " (state " + starting.getState() + ")");
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            stopQuietly(starting);
            throw new IllegalStateException("cannot start S3Proxy on port " + port, e);
        }
        proxy = starting;
    }

    /** Stops serving: connections are cut, new ones refused; the objects are kept. */
    public synchronized void stop() {
        if (proxy != null) {
            S3Proxy stopping = proxy;
            proxy = null;
            try {
                stopping.stop();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop S3Proxy on port " + port, e);
            }
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public String bucket() {
        return bucket;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } finally {
            blobStore.close();
            if (directory != null) {
                deleteTree(directory);
            }
        }
    }

    private static void stopQuietly(S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (Exception e) {
            // already failing: the start error is the one to report
        }
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove S3Proxy's directory " + root, e);
        }
    }
}
