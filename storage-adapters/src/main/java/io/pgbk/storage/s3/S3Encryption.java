/*
 * Server-side encryption asked of S3 for every object written: none (the bucket's default
 * applies), S3-managed keys (AES256) or KMS keys (aws:kms, with an optional key id). The names
 * are S3's own, so a setting reads the same as in S3's documentation.
 */
package io.pgbk.storage.s3;

import io.pgbk.storage.StorageException;
import java.util.Arrays;
import java.util.stream.Collectors;

public enum S3Encryption {
    NONE("none"),
    AES256("AES256"),
    KMS("aws:kms");

    private final String setting;

    S3Encryption(String setting) {
        this.setting = setting;
    }

    public static S3Encryption parse(String text) {
        for (S3Encryption encryption : values()) {
            if (encryption.setting.equalsIgnoreCase(text.trim())) {
                return encryption;
            }
        }
        throw new StorageException("unknown S3 server-side encryption '" + text + "': use one of "
                + Arrays.stream(values()).map(S3Encryption::toString).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return setting;
    }
}
