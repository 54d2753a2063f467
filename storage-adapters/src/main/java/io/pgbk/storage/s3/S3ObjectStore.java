/*
 * An object store on S3 or an S3-compatible server (MinIO, Ceph RGW, S3Proxy), through AWS SDK
 * v2's synchronous client on the JDK's HttpURLConnection (it starts faster than the Apache
 * client, which matters to a command PostgreSQL runs once per WAL segment).
 *
 * Writes: a stream up to partSize bytes is one PutObject; a longer one is a multipart upload of
 * parts buffered in memory one or two at a time (at most 2 x partSize), so every request body is
 * replayable and the SDK's retry strategy (exponential backoff with jitter on 5xx, throttling and
 * connection errors) can resend it. S3 makes an object visible only when PutObject or
 * CompleteMultipartUpload succeeds, so a failed or interrupted write never shows a partial
 * object; a failed multipart upload is aborted so its parts do not linger (if the abort itself
 * fails, the parts stay invisible until a bucket lifecycle rule removes them).
 *
 * putIfAbsent: a conditional write (If-None-Match: *), which S3 and recent S3-compatible servers
 * decide atomically. A server that answers it with NotImplemented gets a check-then-write
 * instead, which two concurrent writers of the same key can race; that is logged once. A
 * PreconditionFailed may also answer the SDK's retry of our own write whose first answer was lost
 * (a reset connection): when the stored object's ETag is the one our write gives (the MD5 of what
 * we sent; for a multipart upload the MD5 of its parts' MD5s, "-" and their count), it is our
 * object, or one with the same bytes, and the write counts as done. The same holds when every
 * attempt's answer was lost (the retries then fail too, and the PreconditionFailed is never heard):
 * before reporting the failure, the object's ETag is asked for. With SSE-KMS ETags are no MD5s:
 * such a retry reads as "the key is taken", and such a failure stays a failure.
 *
 * Every failure becomes one StorageException line naming the location and what went wrong
 * (unreachable endpoint, credentials, missing bucket, or S3's error code); never a secret.
 */
package io.pgbk.storage.s3;

import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.ObjectKey;
import io.pgbk.storage.ObjectStore;
import io.pgbk.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

public final class S3ObjectStore implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);
    private static final byte[] NOTHING = new byte[0];

    private final S3Settings settings;
    private final S3Client client;
    private final AtomicBoolean conditionalWrites = new AtomicBoolean(true);
    private final AtomicBoolean bucketChecked = new AtomicBoolean();

    public S3ObjectStore(S3Settings settings) {
        if (settings.bucket() == null) {
            throw new StorageException("no S3 bucket given: use a repository location s3://bucket/prefix");
        }
        this.settings = settings;
        this.client = buildClient(settings);
    }

    private static S3Client buildClient(S3Settings settings) {
        AwsCredentialsProvider credentials = settings.accessKey() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT)
                        .build())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(settings.maxAttempts())
                        .build()));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder.build();
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public void put(String key, InputStream content) {
        upload(key, content, false);
    }

    @Override
    public boolean putIfAbsent(String key, InputStream content) {
        if (stat(key).isPresent()) {
            return false; // the common case of a retried archive_command: no need to send the bytes
        }
        return upload(key, content, conditionalWrites.get());
    }

    /** Returns false only for a conditional write that found the key taken. */
    private boolean upload(String key, InputStream content, boolean ifAbsent) {
        String objectKey = objectKey(key);
        byte[] first = readPart(key, content);
        byte[] second = first.length < settings.partSize() ? NOTHING : readPart(key, content);
        if (second.length == 0) {
            return putObject(key, objectKey, first, ifAbsent);
        }
        return multipartUpload(key, objectKey, first, second, content, ifAbsent);
    }

    private boolean putObject(String key, String objectKey, byte[] content, boolean ifAbsent) {
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(settings.bucket()).key(objectKey);
        encrypt(request);
        if (ifAbsent) {
            request.ifNoneMatch("*");
        }
        try {
            client.putObject(request.build(), RequestBody.fromBytes(content));
            return true;
        } catch (S3Exception e) {
            if (ifAbsent && isPreconditionFailed(e)) {
                return hasETag(key, objectKey, HexFormat.of().formatHex(md5().digest(content)));
            }
            if (ifAbsent && isNotImplemented(e)) {
                return !keyTakenWithoutConditionalWrites(key) && putObject(key, objectKey, content, false);
            }
            throw failure("write", key, e);
        } catch (SdkClientException e) {
            // Every attempt's answer lost: the first may still have stored the object, and its
            // retries found the key taken without our hearing it (seen once in CI, "Error writing
            // request body to server" five times). Our bytes under the key mean the write is done.
            if (holdsAnyway(key, objectKey, HexFormat.of().formatHex(md5().digest(content)))) {
                log.info("the answers to the write of {} were lost, but it holds what was written", key);
                return true;
            }
            throw failure("write", key, e);
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    /** hasETag, false when even that cannot be asked: the write's own failure is the one to report. */
    private boolean holdsAnyway(String key, String objectKey, String expected) {
        try {
            return hasETag(key, objectKey, expected);
        } catch (StorageException e) {
            return false;
        }
    }

    /** Whether the object's ETag is this one: it holds the bytes our write sent, as far as S3 tells. */
    private boolean hasETag(String key, String objectKey, String expected) {
        try {
            String etag = client.headObject(request -> request.bucket(settings.bucket()).key(objectKey)).eTag();
            return etag != null && etag.replace("\"", "").equalsIgnoreCase(expected);
        } catch (NoSuchKeyException e) {
            return false;
        } catch (SdkException e) {
            throw failure("stat", key, e);
        }
    }

    /**
     * The ETag S3 gives the object a multipart upload of these parts completes: the MD5 of their
     * MD5s, "-", their count. Empty when a part's ETag is no MD5 (SSE-KMS).
     */
    static Optional<String> multipartETag(List<CompletedPart> parts) {
        MessageDigest md5 = md5();
        for (CompletedPart part : parts) {
            String etag = part.eTag() == null ? "" : part.eTag().replace("\"", "");
            if (!etag.matches("[0-9a-fA-F]{32}")) {
                return Optional.empty();
            }
            md5.update(HexFormat.of().parseHex(etag));
        }
        return Optional.of(HexFormat.of().formatHex(md5.digest()) + "-" + parts.size());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has MD5", e);
        }
    }

    /** Called when the server answered a conditional write with NotImplemented; true when key exists. */
    private boolean keyTakenWithoutConditionalWrites(String key) {
        if (conditionalWrites.getAndSet(false)) {
            log.warn("{} does not support conditional writes: putIfAbsent checks that a key is absent, then"
                    + " writes it, which a concurrent writer of the same key could race", settings.endpointDescription());
        }
        return stat(key).isPresent();
    }

    private boolean multipartUpload(String key, String objectKey, byte[] first, byte[] second, InputStream content,
            boolean ifAbsent) {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(settings.bucket()).key(objectKey);
        if (settings.encryption() != S3Encryption.NONE) {
            create.serverSideEncryption(settings.encryption().toString()).ssekmsKeyId(settings.kmsKeyId());
        }
        String uploadId;
        try {
            uploadId = client.createMultipartUpload(create.build()).uploadId();
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
        boolean completed = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            parts.add(uploadPart(objectKey, uploadId, 1, first));
            byte[] part = second;
            while (part.length > 0) {
                parts.add(uploadPart(objectKey, uploadId, parts.size() + 1, part));
                part = part.length < settings.partSize() ? NOTHING : readPart(key, content);
            }
            log.debug("completing multipart upload of {} in {} parts", key, parts.size());
            completed = complete(key, objectKey, uploadId, parts, ifAbsent);
            return completed;
        } catch (SdkException e) {
            throw failure("write", key, e);
        } finally {
            if (!completed) {
                abort(key, objectKey, uploadId);
            }
        }
    }

    /** Returns false, the upload not completed, when a conditional completion found the key taken. */
    private boolean complete(String key, String objectKey, String uploadId, List<CompletedPart> parts, boolean ifAbsent) {
        try {
            client.completeMultipartUpload(complete -> {
                complete.bucket(settings.bucket()).key(objectKey).uploadId(uploadId)
                        .multipartUpload(upload -> upload.parts(parts));
                if (ifAbsent) {
                    complete.ifNoneMatch("*");
                }
            });
            return true;
        } catch (S3Exception e) {
            if (ifAbsent && isPreconditionFailed(e)) {
                return multipartETag(parts).map(etag -> hasETag(key, objectKey, etag)).orElse(false);
            }
            if (ifAbsent && isNotImplemented(e)) {
                return !keyTakenWithoutConditionalWrites(key) && complete(key, objectKey, uploadId, parts, false);
            }
            throw e;
        }
    }

    private CompletedPart uploadPart(String objectKey, String uploadId, int number, byte[] part) {
        String eTag = client.uploadPart(request -> request.bucket(settings.bucket()).key(objectKey)
                .uploadId(uploadId).partNumber(number), RequestBody.fromBytes(part)).eTag();
        return CompletedPart.builder().partNumber(number).eTag(eTag).build();
    }

    private void abort(String key, String objectKey, String uploadId) {
        try {
            client.abortMultipartUpload(request -> request.bucket(settings.bucket()).key(objectKey).uploadId(uploadId));
        } catch (SdkException e) {
            log.warn("cannot abort the failed multipart upload of {} in {} ({}): its parts stay invisible until a"
                    + " bucket lifecycle rule removes incomplete uploads", key, settings.location(), reason(e));
        }
    }

    private void encrypt(PutObjectRequest.Builder request) {
        if (settings.encryption() != S3Encryption.NONE) {
            request.serverSideEncryption(settings.encryption().toString()).ssekmsKeyId(settings.kmsKeyId());
        }
    }

    /** Up to partSize bytes of the source; fewer only at its end. */
    private byte[] readPart(String key, InputStream content) {
        try {
            return content.readNBytes(settings.partSize());
        } catch (IOException e) {
            throw new StorageException("cannot write " + key + " to " + settings.location() + ": reading the data failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Optional<InputStream> get(String key) {
        String objectKey = objectKey(key);
        try {
            return Optional.of(client.getObject(request -> request.bucket(settings.bucket()).key(objectKey)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public Optional<InputStream> getRange(String key, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
        }
        String objectKey = objectKey(key);
        if (length == 0) {
            return stat(key).map(info -> InputStream.nullInputStream());
        }
        long last = offset + length - 1;
        String range = "bytes=" + offset + "-" + (last < offset ? "" : Long.toString(last));
        try {
            return Optional.of(client.getObject(request -> request.bucket(settings.bucket()).key(objectKey).range(range)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                return Optional.of(InputStream.nullInputStream()); // the object ends before offset
            }
            throw failure("read", key, e);
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        String objectKey = objectKey(key);
        try {
            HeadObjectResponse head = client.headObject(request -> request.bucket(settings.bucket()).key(objectKey));
            return Optional.of(new ObjectInfo(key, head.contentLength(), head.lastModified()));
        } catch (NoSuchKeyException e) {
            checkBucketOnce(key);
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("stat", key, e);
        }
    }

    /** A HEAD has no body to tell a missing key from a missing bucket: ask about the bucket. */
    private void checkBucketOnce(String key) {
        if (bucketChecked.get()) {
            return;
        }
        try {
            client.headBucket(request -> request.bucket(settings.bucket()));
            bucketChecked.set(true);
        } catch (SdkException e) {
            throw failure("stat", key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        String checked = ObjectKey.checkPrefix(prefix);
        String fullPrefix = settings.prefix().isEmpty() ? checked : settings.prefix() + "/" + checked;
        List<ObjectInfo> found = new ArrayList<>();
        try {
            for (S3Object object : client.listObjectsV2Paginator(request -> request.bucket(settings.bucket())
                    .prefix(fullPrefix)).contents()) {
                found.add(new ObjectInfo(keyOf(object.key()), object.size(), object.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("list", checked.isEmpty() ? "objects" : checked, e);
        }
        return found;
    }

    @Override
    public void delete(String key) {
        String objectKey = objectKey(key);
        try {
            client.deleteObject(request -> request.bucket(settings.bucket()).key(objectKey));
        } catch (NoSuchKeyException e) {
            // already gone: S3 itself does not report this, some compatible servers do
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public String describe() {
        return settings.location();
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return describe();
    }

    private String objectKey(String key) {
        String checked = ObjectKey.of(key).value();
        return settings.prefix().isEmpty() ? checked : settings.prefix() + "/" + checked;
    }

    private String keyOf(String objectKey) {
        return settings.prefix().isEmpty() ? objectKey : objectKey.substring(settings.prefix().length() + 1);
    }

    private static boolean isPreconditionFailed(S3Exception e) {
        return e.statusCode() == 412 || "PreconditionFailed".equals(errorCode(e));
    }

    private static boolean isNotImplemented(S3Exception e) {
        return e.statusCode() == 501 || "NotImplemented".equals(errorCode(e));
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private StorageException failure(String action, String key, SdkException e) {
        String where = settings.location();
        String endpoint = settings.endpointDescription();
        if (e instanceof NoSuchBucketException || (e instanceof S3Exception s3 && "NoSuchBucket".equals(errorCode(s3)))
                || (e instanceof S3Exception head && head.statusCode() == 404 && errorCode(head) == null
                        && "stat".equals(action))) {
            return new StorageException("bucket '" + settings.bucket() + "' does not exist at " + endpoint, e);
        }
        String network = networkReason(e);
        if (network != null) {
            return new StorageException("cannot reach S3 endpoint " + endpoint + " for " + where + ": " + network, e);
        }
        if (e instanceof S3Exception s3) {
            String code = errorCode(s3);
            if ("InvalidAccessKeyId".equals(code)) {
                return new StorageException(endpoint + " does not know the access key configured for " + where
                        + " (InvalidAccessKeyId): check the S3 credentials", e);
            }
            if ("SignatureDoesNotMatch".equals(code)) {
                return new StorageException(endpoint + " refused the secret key configured for " + where
                        + " (SignatureDoesNotMatch): check the S3 credentials", e);
            }
            if (s3.statusCode() == 403) {
                return new StorageException("access denied to " + where + " at " + endpoint + " ("
                        + (code == null ? "HTTP 403" : code) + "): check the S3 credentials and the bucket policy", e);
            }
        }
        return new StorageException("cannot " + action + " " + key + " in " + where + ": " + reason(e), e);
    }

    /** One line saying what went wrong, from S3's error code or from the network failure. */
    private String reason(SdkException e) {
        if (e instanceof S3Exception s3) {
            String code = errorCode(s3);
            return (code == null ? "" : code + ", ") + "HTTP " + s3.statusCode();
        }
        String network = networkReason(e);
        if (network != null) {
            return "cannot reach S3 endpoint " + settings.endpointDescription() + ": " + network;
        }
        if (e instanceof SdkClientException && String.valueOf(e.getMessage()).contains("Unable to load credentials")) {
            return "no S3 credentials: set the access key and secret key, or AWS credentials in the environment";
        }
        return firstLine(e.getMessage());
    }

    /** What the network did, from the first I/O failure among the causes, or null for none. */
    private static String networkReason(SdkException e) {
        if (e instanceof S3Exception) {
            return null; // the server answered
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            String reason = networkReason(cause);
            if (reason != null) {
                return reason;
            }
        }
        return null;
    }

    private static String networkReason(Throwable cause) {
        if (cause instanceof ConnectException) {
            return "connection refused";
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host " + cause.getMessage();
        }
        if (cause instanceof SocketTimeoutException) {
            return "timed out";
        }
        // A reset reaches us as a SocketException or, mid-request, as HttpURLConnection's plain
        // IOException "Error writing to server": the same event for the user.
        if (cause instanceof IOException || cause instanceof UncheckedIOException) {
            return "connection lost (" + firstLine(cause.getMessage()) + ")";
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
