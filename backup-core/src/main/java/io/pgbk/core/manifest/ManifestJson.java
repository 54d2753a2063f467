/*
 * The JSON form of a backup manifest. pgbk's value types keep their own text forms in it (LSNs
 * as "16/B374D848", modes as "0600", page maps as "8192:0-3", times as ISO-8601 UTC), so that a
 * person or jq can read backup.json without pgbk. Unknown fields are ignored, so a later version
 * may add fields without a new format version; a newer format version is refused.
 */
package io.pgbk.core.manifest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgbk.core.page.PageMap;
import io.pgbk.core.pgdata.FileMode;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

public final class ManifestJson {

    /** The manifest's fields that readHead leaves out. */
    private static final Set<String> LISTS = Set.of("parts", "files");
    /** BackupManifest.parent's name in backup.json. */
    private static final String PARENT_FIELD = "parent";

    private final ObjectMapper mapper = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .registerModule(new SimpleModule("pgbk-values")
                    .addSerializer(Lsn.class, asText())
                    .addDeserializer(Lsn.class, fromText(Lsn::parse))
                    .addSerializer(TimelineId.class, asText())
                    .addDeserializer(TimelineId.class, fromText(text -> new TimelineId(Long.parseLong(text))))
                    .addSerializer(FileMode.class, asText())
                    .addDeserializer(FileMode.class, fromText(FileMode::parse))
                    .addSerializer(PageMap.class, asText())
                    .addDeserializer(PageMap.class, fromText(PageMap::parse))
                    .addSerializer(Instant.class, asText())
                    .addDeserializer(Instant.class, fromText(Instant::parse)));

    public byte[] write(BackupManifest manifest) {
        try {
            return mapper.writeValueAsBytes(manifest);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the manifest of " + manifest.id() + " as JSON", e);
        }
    }

    /** Reads a manifest; objectName names it in messages. */
    public BackupManifest read(InputStream in, String objectName) {
        return parse(objectName, () -> mapper.readValue(in, BackupManifest.class));
    }

    /**
     * Reads a manifest without its parts and files (empty lists): what choosing among backups
     * needs. The file list is most of a manifest (every file of the cluster), and making objects of
     * it for every backup in the repository cost a restore more than its own chain did. The lists
     * are the manifest's last fields (BackupManifest's order), so reading stops at the first of
     * them: the rest of in is not read.
     */
    public BackupManifest readHead(InputStream in, String objectName) {
        return parse(objectName, () -> {
            try (JsonParser parser = mapper.createParser(in)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException("not a JSON object");
                }
                ObjectNode head = mapper.createObjectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME && !LISTS.contains(parser.currentName())) {
                    String field = parser.currentName();
                    parser.nextToken();
                    head.set(field, mapper.readTree(parser));
                }
                LISTS.forEach(head::putArray);
                return mapper.treeToValue(head, BackupManifest.class);
            }
        });
    }

    /**
     * The parent named by a manifest, read up to its "parent" field only (an early one): what the
     * length of an incremental chain needs, without streaming through every file of the cluster.
     */
    public Optional<BackupId> readParent(InputStream in, String objectName) {
        try (JsonParser parser = mapper.createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals(PARENT_FIELD)) {
                    return value == JsonToken.VALUE_NULL ? Optional.empty() : Optional.of(BackupId.parse(parser.getText()));
                }
                parser.skipChildren();
            }
            return Optional.empty();
        } catch (PgbkException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new PgbkException("object " + objectName + " is not a valid backup manifest: " + e.getMessage(), e);
        }
    }

    /** A way of reading a manifest, which may fail like Jackson does. */
    private interface Reading {
        BackupManifest read() throws IOException;
    }

    /** The manifest reading gives, each failure as one message naming objectName; newer formats refused. */
    private static BackupManifest parse(String objectName, Reading reading) {
        BackupManifest manifest;
        try {
            manifest = reading.read();
        } catch (PgbkException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new PgbkException("object " + objectName + " is not a valid backup manifest: " + e.getMessage(), e);
        }
        if (manifest.formatVersion() > BackupManifest.FORMAT_VERSION) {
            throw new PgbkException("backup manifest " + objectName + " has format " + manifest.formatVersion()
                    + ", newer than this pgbk (" + BackupManifest.FORMAT_VERSION + "): upgrade pgbk");
        }
        return manifest;
    }

    /** For command output (`pgbk show --json`): the same form as backup.json. */
    public ObjectMapper mapper() {
        return mapper;
    }

    private static <T> JsonSerializer<T> asText() {
        return new JsonSerializer<>() {
            @Override
            public void serialize(T value, JsonGenerator generator, SerializerProvider provider) throws IOException {
                generator.writeString(value.toString());
            }
        };
    }

    private static <T> JsonDeserializer<T> fromText(Function<String, T> parse) {
        return new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser parser, DeserializationContext context) throws IOException {
                return parse.apply(parser.getValueAsString());
            }
        };
    }
}
