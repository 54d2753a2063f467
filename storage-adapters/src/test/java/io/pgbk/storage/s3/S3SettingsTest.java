package io.pgbk.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.storage.StorageException;
import java.net.URI;
import org.junit.jupiter.api.Test;

class S3SettingsTest {

    private final S3Settings settings = S3Settings.defaults()
            .withLocation("bucket", "/repo/main/")
            .withEndpoint(URI.create("https://s3.example.net"), true)
            .withCredentials("AKIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG");

    @Test
    void toStringMasksBothKeys() {
        assertThat(settings.toString())
                .doesNotContain("wJalrXUtnFEMI/K7MDENG")
                .doesNotContain("AKIAEXAMPLE")
                .contains("secretKey=****")
                .contains("accessKey=****")
                .contains("location=s3://bucket/repo/main")
                .contains("endpoint=https://s3.example.net");
    }

    @Test
    void defaultsAreAwsWithTheDefaultCredentialChain() {
        S3Settings defaults = S3Settings.defaults().withLocation("bucket", null);

        assertThat(defaults.region()).isEqualTo("us-east-1");
        assertThat(defaults.partSize()).isEqualTo(8 * 1024 * 1024);
        assertThat(defaults.encryption()).isEqualTo(S3Encryption.NONE);
        assertThat(defaults.location()).isEqualTo("s3://bucket");
        assertThat(defaults.endpointDescription()).isEqualTo("AWS S3 (region us-east-1)");
        assertThat(defaults.toString()).contains("accessKey=(AWS default credentials)");
    }

    @Test
    void encryptionParsesS3Names() {
        assertThat(S3Encryption.parse("none")).isEqualTo(S3Encryption.NONE);
        assertThat(S3Encryption.parse("AES256")).isEqualTo(S3Encryption.AES256);
        assertThat(S3Encryption.parse("aws:kms")).isEqualTo(S3Encryption.KMS);
        assertThatThrownBy(() -> S3Encryption.parse("rot13"))
                .isInstanceOf(StorageException.class)
                .hasMessage("unknown S3 server-side encryption 'rot13': use one of none, AES256, aws:kms");
        assertThat(settings.withEncryption(S3Encryption.KMS, "key-1").kmsKeyId()).isEqualTo("key-1");
    }

    @Test
    void inconsistentSettingsAreRefusedWithoutTheSecret() {
        assertThatThrownBy(() -> settings.withCredentials("AKIAEXAMPLE", null))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("S3 access key and secret key go together");
        assertThatThrownBy(() -> settings.withPartSize(1024))
                .hasMessage("S3 part size must be between 5242880 and 536870912 bytes, not 1024");
        assertThatThrownBy(() -> settings.withMaxAttempts(0))
                .hasMessage("S3 max attempts must be at least 1, not 0");
        assertThatThrownBy(() -> settings.withEncryption(S3Encryption.AES256, "key-1"))
                .hasMessage("an S3 KMS key id is set but server-side encryption is 'AES256', not 'aws:kms'");
        assertThatThrownBy(() -> settings.withLocation("Not_A_Bucket", ""))
                .hasMessageStartingWith("invalid S3 bucket name 'Not_A_Bucket'");
        assertThatThrownBy(() -> settings.withEndpoint(URI.create("ftp://host"), false))
                .hasMessage("invalid S3 endpoint 'ftp://host': use http://host:port or https://host");
        assertThatThrownBy(() -> settings.withEndpoint(URI.create("http://user:wJalrXUtnFEMI@host"), false))
                .hasMessageNotContaining("wJalrXUtnFEMI")
                .hasMessageContaining("must not contain credentials");
    }
}
