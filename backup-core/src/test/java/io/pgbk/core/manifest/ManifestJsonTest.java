package io.pgbk.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.seal.SealCheck;
import io.pgbk.error.PgbkException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestJsonTest {

    private final ManifestJson json = new ManifestJson();

    @Test
    void roundTripsEveryField() {
        BackupManifest manifest = SampleManifests.incremental();

        BackupManifest read = json.read(new ByteArrayInputStream(json.write(manifest)), "main/backups/x/backup.json");

        assertThat(read).usingRecursiveComparison().isEqualTo(manifest);
        assertThat(read.file("base/5/16384")).get().satisfies(file -> assertThat(file.isPartial()).isTrue());
        assertThat(read.duration().toSeconds()).isEqualTo(90);
        assertThat(read.dataSize()).isEqualTo(24579);
        assertThat(read.filesWithCorruptPages()).extracting(ManifestFile::path).containsExactly("base/5/16384");
    }

    @Test
    void theHeadIsTheManifestWithoutPartsAndFiles() {
        BackupManifest manifest = SampleManifests.incremental();

        BackupManifest head = json.readHead(new ByteArrayInputStream(json.write(manifest)), "m");

        assertThat(head.parts()).isEmpty();
        assertThat(head.files()).isEmpty();
        assertThat(head).usingRecursiveComparison().ignoringFields("parts", "files").isEqualTo(manifest);
        String text = new String(json.write(manifest), StandardCharsets.UTF_8);
        String cut = text.substring(0, text.indexOf("\"parts\"") + "\"parts\" : [".length());
        assertThat(json.readHead(new ByteArrayInputStream(cut.getBytes(StandardCharsets.UTF_8)), "m"))
                .as("read up to the lists only").usingRecursiveComparison().isEqualTo(head);
        String newer = new String(json.write(manifest), StandardCharsets.UTF_8)
                .replace("\"formatVersion\" : 3", "\"formatVersion\" : 4");
        assertThatThrownBy(() -> json.readHead(new ByteArrayInputStream(newer.getBytes(StandardCharsets.UTF_8)), "m"))
                .isInstanceOf(PgbkException.class).hasMessageContaining("has format 4, newer than this pgbk (3)");
    }

    @Test
    void writesValuesInTheirPostgresqlForms() {
        String text = new String(json.write(SampleManifests.incremental()), StandardCharsets.UTF_8);

        assertThat(text).contains("\"startLsn\" : \"0/3000028\"", "\"mode\" : \"0600\"", "\"pageMap\" : \"24576:2\"",
                "\"systemIdentifier\" : \"7312345678901234567\"", "\"type\" : \"incr\"",
                "\"startTime\" : \"2026-11-29T02:15:00Z\"", "\"startTimeline\" : \"1\"");
    }

    @Test
    void readsPartsOfBothTrailerKinds() {
        String written = new String(json.write(SampleManifests.incremental()), StandardCharsets.UTF_8);
        assertThat(written).contains("\"storedSize\" : 3000,\n    \"crc32c\" : \"0a1b2c3d\"\n  }");
        assertThat(json.read(new ByteArrayInputStream(written.getBytes(StandardCharsets.UTF_8)), "m").parts())
                .singleElement().satisfies(part -> assertThat(part.trailer())
                        .isEqualTo(new ContentDigest(20480, SealCheck.CRC32C, "0a1b2c3d")));

        String formatOne = written.replace("\"formatVersion\" : 3", "\"formatVersion\" : 1")
                .replace("\"crc32c\" : \"0a1b2c3d\"", "\"sha256\" : \"" + "ef".repeat(32) + "\"");
        assertThat(json.read(new ByteArrayInputStream(formatOne.getBytes(StandardCharsets.UTF_8)), "m").parts())
                .singleElement().satisfies(part -> assertThat(part.trailer())
                        .isEqualTo(new ContentDigest(20480, SealCheck.SHA256, "ef".repeat(32))));
    }

    @Test
    void refusesANewerFormatAndDamage() {
        String newer = new String(json.write(SampleManifests.incremental()), StandardCharsets.UTF_8)
                .replace("\"formatVersion\" : 3", "\"formatVersion\" : 4");
        assertThatThrownBy(() -> json.read(new ByteArrayInputStream(newer.getBytes(StandardCharsets.UTF_8)), "m"))
                .isInstanceOf(PgbkException.class).hasMessageContaining("has format 4, newer than this pgbk (3)");
        // a newer format may give its fields other forms: the version is what the reader is told
        String reshaped = newer.replace("\"startLsn\" : \"0/3000028\"", "\"startLsn\" : { \"timeline\" : 1 }");
        assertThatThrownBy(() -> json.read(new ByteArrayInputStream(reshaped.getBytes(StandardCharsets.UTF_8)), "m"))
                .isInstanceOf(PgbkException.class).hasMessageContaining("has format 4, newer than this pgbk (3)");
        assertThatThrownBy(() -> json.read(new ByteArrayInputStream("{\"id\": 3".getBytes(StandardCharsets.UTF_8)), "m"))
                .isInstanceOf(PgbkException.class).hasMessageStartingWith("object m is not a valid backup manifest");
    }

    @Test
    void readsAndWritesBackupJsonAsEarlierVersionsDid() throws Exception {
        // written by pgbk's data binding, before manifests were streamed: the same bytes both ways
        for (String name : List.of("incremental.json", "full.json")) {
            byte[] earlier;
            try (InputStream in = getClass().getResourceAsStream("/manifest/" + name)) {
                earlier = in.readAllBytes();
            }
            BackupManifest read = json.read(new ByteArrayInputStream(earlier), name);
            assertThat(new String(json.write(read), StandardCharsets.UTF_8)).as(name)
                    .isEqualTo(new String(earlier, StandardCharsets.UTF_8));
        }
        assertThat(json.read(getClass().getResourceAsStream("/manifest/incremental.json"), "m"))
                .usingRecursiveComparison().isEqualTo(SampleManifests.incremental());
    }

    @Test
    void skipsFieldsItDoesNotKnowAndTakesNullListsAsEmpty() {
        String text = new String(json.write(SampleManifests.incremental()), StandardCharsets.UTF_8)
                .replace("\"label\" :", "\"later\" : { \"a\" : [ 1, { \"b\" : null } ] }, \"label\" :")
                .replace("\"path\" : \"PG_VERSION\",", "\"path\" : \"PG_VERSION\", \"extra\" : [ [ ] ],")
                .replace("\"tablespaces\" : [ {\n    \"oid\" : 16390,\n    \"location\" : \"/srv/ts1\"\n  } ]",
                        "\"tablespaces\" : null");

        BackupManifest read = json.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "m");

        assertThat(read.tablespaces()).isEmpty();
        assertThat(read).usingRecursiveComparison().ignoringFields("tablespaces")
                .isEqualTo(SampleManifests.incremental());
    }

    @Test
    void aValueOfTheWrongShapeIsAnInvalidManifest() {
        String text = new String(json.write(SampleManifests.incremental()), StandardCharsets.UTF_8)
                .replace("\"startLsn\" : \"0/3000028\"", "\"startLsn\" : [ \"0/3000028\" ]");

        assertThatThrownBy(() -> json.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "m"))
                .isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("object m is not a valid backup manifest: expected a value");
    }
}
