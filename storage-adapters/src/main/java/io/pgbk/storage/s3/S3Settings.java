/*
 * Everything needed to reach a bucket: endpoint (null for AWS itself; set for MinIO, Ceph and
 * other S3-compatible servers, usually with path-style addressing), region, bucket and key prefix,
 * credentials (both null: the AWS default chain, i.e. environment, profile, instance role),
 * server-side encryption, how many attempts a request gets, and the multipart part size.
 *
 * Both keys are treated as secrets, as the command line treats them: toString() masks them, and
 * no message built from these settings contains them.
 */
package io.pgbk.storage.s3;

import io.pgbk.storage.ObjectKey;
import io.pgbk.storage.StorageException;
import java.net.URI;

public record S3Settings(
        URI endpoint,
        String region,
        String bucket,
        String prefix,
        boolean pathStyle,
        String accessKey,
        String secretKey,
        S3Encryption encryption,
        String kmsKeyId,
        int maxAttempts,
        int partSize) {

    public static final String DEFAULT_REGION = "us-east-1";
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** S3 refuses parts below 5 MiB (except the last). */
    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    public static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;
    /** Parts are buffered in memory: keep them far below S3's own 5 GiB limit. */
    public static final int MAX_PART_SIZE = 512 * 1024 * 1024;

    public S3Settings {
        region = region == null || region.isBlank() ? DEFAULT_REGION : region;
        prefix = normalizePrefix(prefix);
        encryption = encryption == null ? S3Encryption.NONE : encryption;
        if (bucket != null && !bucket.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]")) {
            throw new StorageException("invalid S3 bucket name '" + bucket
                    + "': 3 to 63 lowercase letters, digits, dots and hyphens");
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw new StorageException("S3 access key and secret key go together: set both, or neither to use"
                    + " the AWS default credentials (environment, profile, instance role)");
        }
        if (kmsKeyId != null && encryption != S3Encryption.KMS) {
            throw new StorageException("an S3 KMS key id is set but server-side encryption is '" + encryption
                    + "', not 'aws:kms'");
        }
        if (maxAttempts < 1) {
            throw new StorageException("S3 max attempts must be at least 1, not " + maxAttempts);
        }
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new StorageException("S3 part size must be between " + MIN_PART_SIZE + " and " + MAX_PART_SIZE
                    + " bytes, not " + partSize);
        }
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
                || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
            throw new StorageException("invalid S3 endpoint '" + endpoint + "': use http://host:port or https://host");
        }
        if (endpoint != null && endpoint.getUserInfo() != null) {
            throw new StorageException("the S3 endpoint must not contain credentials: set the access and secret keys");
        }
    }

    /** AWS defaults, no bucket yet: the repository location gives it. */
    public static S3Settings defaults() {
        return new S3Settings(null, DEFAULT_REGION, null, "", false, null, null, S3Encryption.NONE, null,
                DEFAULT_MAX_ATTEMPTS, DEFAULT_PART_SIZE);
    }

    public S3Settings withLocation(String newBucket, String newPrefix) {
        return new S3Settings(endpoint, region, newBucket, newPrefix, pathStyle, accessKey, secretKey, encryption,
                kmsKeyId, maxAttempts, partSize);
    }

    public S3Settings withEndpoint(URI newEndpoint, boolean newPathStyle) {
        return new S3Settings(newEndpoint, region, bucket, prefix, newPathStyle, accessKey, secretKey, encryption,
                kmsKeyId, maxAttempts, partSize);
    }

    public S3Settings withRegion(String newRegion) {
        return new S3Settings(endpoint, newRegion, bucket, prefix, pathStyle, accessKey, secretKey, encryption,
                kmsKeyId, maxAttempts, partSize);
    }

    public S3Settings withCredentials(String newAccessKey, String newSecretKey) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, newAccessKey, newSecretKey, encryption,
                kmsKeyId, maxAttempts, partSize);
    }

    public S3Settings withEncryption(S3Encryption newEncryption, String newKmsKeyId) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, newEncryption,
                newKmsKeyId, maxAttempts, partSize);
    }

    public S3Settings withMaxAttempts(int newMaxAttempts) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, encryption,
                kmsKeyId, newMaxAttempts, partSize);
    }

    public S3Settings withPartSize(int newPartSize) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, encryption,
                kmsKeyId, maxAttempts, newPartSize);
    }

    /** "s3://bucket/prefix", or "s3://bucket" without a prefix. */
    public String location() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    /** The endpoint as messages name it: its URL, or AWS and the region. */
    public String endpointDescription() {
        return endpoint != null ? endpoint.toString() : "AWS S3 (region " + region + ")";
    }

    @Override
    public String toString() {
        return "S3Settings[endpoint=" + endpointDescription() + ", location=" + location() + ", pathStyle=" + pathStyle
                + ", accessKey=" + (accessKey == null ? "(AWS default credentials)" : "****")
                + ", secretKey=" + (secretKey == null ? "(none)" : "****")
                + ", encryption=" + encryption + (kmsKeyId == null ? "" : " (key " + kmsKeyId + ")")
                + ", maxAttempts=" + maxAttempts + ", partSize=" + partSize + "]";
    }

    private static String normalizePrefix(String prefix) {
        if (prefix == null) {
            return "";
        }
        String trimmed = prefix.replaceAll("^/+", "").replaceAll("/+$", "");
        if (!trimmed.isEmpty()) {
            ObjectKey.checkPrefix(trimmed);
        }
        return trimmed;
    }
}
