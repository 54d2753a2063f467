/*
 * The JSON form of a backup manifest. pgbk's value types keep their own text forms in it (LSNs
 * as "16/B374D848", modes as "0600", page maps as "8192:0-3", times as ISO-8601 UTC), so that a
 * person or jq can read backup.json without pgbk. Unknown fields are ignored, so a later version
 * may add fields without a new format version; a newer format version is refused.
 *
 * backup.json is read and written field by field with Jackson's streaming parser and generator,
 * not through its data binding. Every backup and restore reads manifests in a JVM that has just
 * started, and binding spent 0.25 to 0.35 s of CPU there on its first manifest (introspecting the
 * records, building their deserializers, running all that cold), against about 0.1 s for
 * streaming the same tokens (docs/benchmarks.md, "Manifests"). The field order is
 * BackupManifest's, which readHead relies on.
 *
 * mapper() is the data binding with the same text forms, for commands that print other values
 * as JSON; it is made only when asked for.
 */
package io.pgbk.core.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
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
import io.pgbk.core.page.PageMap;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

public final class ManifestJson {

    private static final JsonFactory FACTORY = new JsonFactory();
    /** The manifest's fields that readHead leaves out. */
    private static final Set<String> LISTS = Set.of("parts", "files");
    /** BackupManifest.parent's name in backup.json. */
    private static final String PARENT_FIELD = "parent";

    private ObjectMapper mapper;

    public byte[] write(BackupManifest manifest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024 + 512 * manifest.files().size());
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            generator.useDefaultPrettyPrinter();
            writeManifest(generator, manifest);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the manifest of " + manifest.id() + " as JSON", e);
        }
        return out.toByteArray();
    }

    /** Reads a manifest; objectName names it in messages. */
    public BackupManifest read(InputStream in, String objectName) {
        return parse(objectName, in, false);
    }

    /**
     * Reads a manifest without its parts and files (empty lists): what choosing among backups
     * needs. The file list is most of a manifest (every file of the cluster), and making objects of
     * it for every backup in the repository cost a restore more than its own chain did. The lists
     * are the manifest's last fields (BackupManifest's order), so reading stops at the first of
     * them: the rest of in is not read.
     */
    public BackupManifest readHead(InputStream in, String objectName) {
        return parse(objectName, in, true);
    }

    /**
     * The parent named by a manifest, read up to its "parent" field only (an early one): what the
     * length of an incremental chain needs, without streaming through every file of the cluster.
     */
    public Optional<BackupId> readParent(InputStream in, String objectName) {
        try (JsonParser parser = FACTORY.createParser(in)) {
            startObject(parser);
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (field.equals(PARENT_FIELD)) {
                    return Optional.ofNullable(text(parser, BackupId::parse));
                }
                parser.skipChildren();
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            throw invalid(objectName, e);
        }
    }

    /** For command output: Jackson's data binding, with pgbk's values in their text forms. */
    public ObjectMapper mapper() {
        if (mapper == null) {
            mapper = new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .registerModule(new SimpleModule("pgbk-values")
                            .addSerializer(Lsn.class, asText())
                            .addDeserializer(Lsn.class, fromText(Lsn::parse))
                            .addSerializer(TimelineId.class, asText())
                            .addDeserializer(TimelineId.class, fromText(ManifestJson::timeline))
                            .addSerializer(FileMode.class, asText())
                            .addDeserializer(FileMode.class, fromText(FileMode::parse))
                            .addSerializer(PageMap.class, asText())
                            .addDeserializer(PageMap.class, fromText(PageMap::parse))
                            .addSerializer(Instant.class, asText())
                            .addDeserializer(Instant.class, fromText(Instant::parse)));
        }
        return mapper;
    }

    /**
     * The manifest in, each failure as one message naming objectName (a value's own complaint, such
     * as a malformed backup id, included); newer formats refused.
     */
    private static BackupManifest parse(String objectName, InputStream in, boolean headOnly) {
        try (JsonParser parser = FACTORY.createParser(in)) {
            return new ManifestReader(parser).manifest(headOnly);
        } catch (NewerFormat e) {
            throw new PgbkException("backup manifest " + objectName + " has format " + e.formatVersion
                    + ", newer than this pgbk (" + BackupManifest.FORMAT_VERSION + "): upgrade pgbk");
        } catch (IOException | RuntimeException e) {
            throw invalid(objectName, e);
        }
    }

    /**
     * A manifest of a format newer than this pgbk's, found at its formatVersion (its first field):
     * the rest is not read, since its fields may have changed form.
     */
    private static final class NewerFormat extends RuntimeException {
        final int formatVersion;

        NewerFormat(int formatVersion) {
            super(null, null, false, false);
            this.formatVersion = formatVersion;
        }
    }

    private static PgbkException invalid(String objectName, Exception e) {
        return new PgbkException("object " + objectName + " is not a valid backup manifest: " + e.getMessage(), e);
    }

    // ------------------------------------------------------------------ writing

    private static void writeManifest(JsonGenerator out, BackupManifest manifest) throws IOException {
        out.writeStartObject();
        out.writeNumberField("formatVersion", manifest.formatVersion());
        writeText(out, "id", manifest.id());
        writeText(out, "type", manifest.type());
        writeText(out, PARENT_FIELD, manifest.parent());
        writeText(out, "label", manifest.label());
        writeText(out, "startLsn", manifest.startLsn());
        writeText(out, "stopLsn", manifest.stopLsn());
        writeText(out, "startTimeline", manifest.startTimeline());
        writeText(out, "stopTimeline", manifest.stopTimeline());
        writeText(out, "startTime", manifest.startTime());
        writeText(out, "stopTime", manifest.stopTime());
        out.writeFieldName("source");
        writeSource(out, manifest.source());
        writeText(out, "systemIdentifier", manifest.systemIdentifier());
        out.writeNumberField("pgMajorVersion", manifest.pgMajorVersion());
        writeText(out, "compression", manifest.compression());
        out.writeBooleanField("dataChecksums", manifest.dataChecksums());
        writeText(out, "backupLabel", manifest.backupLabel());
        writeText(out, "tablespaceMap", manifest.tablespaceMap());
        out.writeArrayFieldStart("tablespaces");
        for (TablespaceInfo tablespace : manifest.tablespaces()) {
            out.writeStartObject();
            out.writeNumberField("oid", tablespace.oid());
            writeText(out, "location", tablespace.location());
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeArrayFieldStart("parts");
        for (PartInfo part : manifest.parts()) {
            writePart(out, part);
        }
        out.writeEndArray();
        out.writeArrayFieldStart("files");
        for (ManifestFile file : manifest.files()) {
            writeFile(out, file);
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    private static void writeSource(JsonGenerator out, SourceNode source) throws IOException {
        if (source == null) {
            out.writeNull();
            return;
        }
        out.writeStartObject();
        writeText(out, "host", source.host());
        out.writeNumberField("port", source.port());
        out.writeBooleanField("standby", source.standby());
        writeText(out, "version", source.version());
        out.writeEndObject();
    }

    /** A part names only the check its trailer holds. */
    private static void writePart(JsonGenerator out, PartInfo part) throws IOException {
        out.writeStartObject();
        out.writeNumberField("number", part.number());
        out.writeNumberField("tarSize", part.tarSize());
        out.writeNumberField("storedSize", part.storedSize());
        if (part.sha256() != null) {
            out.writeStringField("sha256", part.sha256());
        }
        if (part.crc32c() != null) {
            out.writeStringField("crc32c", part.crc32c());
        }
        out.writeEndObject();
    }

    /** "partial" is derived (isPartial); it is written for readers of backup.json, never read. */
    private static void writeFile(JsonGenerator out, ManifestFile file) throws IOException {
        out.writeStartObject();
        writeText(out, "path", file.path());
        writeText(out, "kind", file.kind() == null ? null : file.kind().name());
        writeText(out, "mode", file.mode());
        out.writeNumberField("size", file.size());
        writeText(out, "modified", file.modified());
        writeText(out, "sha256", file.sha256());
        writeText(out, "linkTarget", file.linkTarget());
        out.writeFieldName("data");
        FileData data = file.data();
        if (data == null) {
            out.writeNull();
        } else {
            out.writeStartObject();
            writeText(out, "backup", data.backup());
            out.writeNumberField("part", data.part());
            out.writeNumberField("offset", data.offset());
            out.writeNumberField("length", data.length());
            writeText(out, "crc32c", data.crc32c());
            out.writeEndObject();
        }
        writeText(out, "pageMap", file.pageMap());
        out.writeArrayFieldStart("corruptBlocks");
        for (int block : file.corruptBlocks()) {
            out.writeNumber(block);
        }
        out.writeEndArray();
        out.writeBooleanField("partial", file.isPartial());
        out.writeEndObject();
    }

    /** A value in its text form (toString), or null. */
    private static void writeText(JsonGenerator out, String field, Object value) throws IOException {
        if (value == null) {
            out.writeNullField(field);
        } else {
            out.writeStringField(field, value.toString());
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * One manifest's tokens made into records. Absent fields are null, zero or empty, as data
     * binding left them; every backup id is parsed once, not once per file naming it.
     */
    private static final class ManifestReader {
        private final JsonParser in;
        private final Map<String, BackupId> ids = new HashMap<>();

        ManifestReader(JsonParser in) {
            this.in = in;
        }

        BackupManifest manifest(boolean headOnly) throws IOException {
            startObject(in);
            var manifest = new Object() {
                int formatVersion;
                BackupId id;
                BackupType type;
                BackupId parent;
                String label;
                Lsn startLsn;
                Lsn stopLsn;
                TimelineId startTimeline;
                TimelineId stopTimeline;
                Instant startTime;
                Instant stopTime;
                SourceNode source;
                SystemIdentifier systemIdentifier;
                int pgMajorVersion;
                String compression;
                boolean dataChecksums;
                String backupLabel;
                String tablespaceMap;
                final List<TablespaceInfo> tablespaces = new ArrayList<>();
                final List<PartInfo> parts = new ArrayList<>();
                final List<ManifestFile> files = new ArrayList<>();
            };
            fields(field -> {
                switch (field) {
                    case "formatVersion" -> manifest.formatVersion = formatVersion(number(in));
                    case "id" -> manifest.id = backupId();
                    case "type" -> manifest.type = text(in, BackupType::parse);
                    case PARENT_FIELD -> manifest.parent = backupId();
                    case "label" -> manifest.label = text(in, Function.identity());
                    case "startLsn" -> manifest.startLsn = text(in, Lsn::parse);
                    case "stopLsn" -> manifest.stopLsn = text(in, Lsn::parse);
                    case "startTimeline" -> manifest.startTimeline = text(in, ManifestJson::timeline);
                    case "stopTimeline" -> manifest.stopTimeline = text(in, ManifestJson::timeline);
                    case "startTime" -> manifest.startTime = text(in, InstantText::parse);
                    case "stopTime" -> manifest.stopTime = text(in, InstantText::parse);
                    case "source" -> manifest.source = objectOrNull(this::source);
                    case "systemIdentifier" -> manifest.systemIdentifier = text(in, SystemIdentifier::parse);
                    case "pgMajorVersion" -> manifest.pgMajorVersion = (int) number(in);
                    case "compression" -> manifest.compression = text(in, Function.identity());
                    case "dataChecksums" -> manifest.dataChecksums = bool(in);
                    case "backupLabel" -> manifest.backupLabel = text(in, Function.identity());
                    case "tablespaceMap" -> manifest.tablespaceMap = text(in, Function.identity());
                    case "tablespaces" -> objects(this::tablespace, manifest.tablespaces);
                    case "parts" -> objects(this::part, manifest.parts);
                    case "files" -> objects(this::file, manifest.files);
                    default -> {
                        return false;
                    }
                }
                return true;
            }, headOnly ? LISTS : Set.of());
            return new BackupManifest(manifest.formatVersion, manifest.id, manifest.type, manifest.parent,
                    manifest.label, manifest.startLsn, manifest.stopLsn, manifest.startTimeline,
                    manifest.stopTimeline, manifest.startTime, manifest.stopTime, manifest.source,
                    manifest.systemIdentifier, manifest.pgMajorVersion, manifest.compression, manifest.dataChecksums,
                    manifest.backupLabel, manifest.tablespaceMap, manifest.tablespaces, manifest.parts,
                    manifest.files);
        }

        private SourceNode source() throws IOException {
            var source = new Object() {
                String host;
                int port;
                boolean standby;
                String version;
            };
            fields(field -> {
                switch (field) {
                    case "host" -> source.host = text(in, Function.identity());
                    case "port" -> source.port = (int) number(in);
                    case "standby" -> source.standby = bool(in);
                    case "version" -> source.version = text(in, Function.identity());
                    default -> {
                        return false;
                    }
                }
                return true;
            });
            return new SourceNode(source.host, source.port, source.standby, source.version);
        }

        private TablespaceInfo tablespace() throws IOException {
            var tablespace = new Object() {
                long oid;
                String location;
            };
            fields(field -> {
                switch (field) {
                    case "oid" -> tablespace.oid = number(in);
                    case "location" -> tablespace.location = text(in, Function.identity());
                    default -> {
                        return false;
                    }
                }
                return true;
            });
            return new TablespaceInfo(tablespace.oid, tablespace.location);
        }

        private PartInfo part() throws IOException {
            var part = new Object() {
                int number;
                long tarSize;
                long storedSize;
                String sha256;
                String crc32c;
            };
            fields(field -> {
                switch (field) {
                    case "number" -> part.number = (int) number(in);
                    case "tarSize" -> part.tarSize = number(in);
                    case "storedSize" -> part.storedSize = number(in);
                    case "sha256" -> part.sha256 = text(in, Function.identity());
                    case "crc32c" -> part.crc32c = text(in, Function.identity());
                    default -> {
                        return false;
                    }
                }
                return true;
            });
            return new PartInfo(part.number, part.tarSize, part.storedSize, part.sha256, part.crc32c);
        }

        private ManifestFile file() throws IOException {
            var file = new Object() {
                String path;
                EntryKind kind;
                FileMode mode;
                long size;
                Instant modified;
                String sha256;
                String linkTarget;
                FileData data;
                PageMap pageMap;
                final List<Integer> corruptBlocks = new ArrayList<>();
            };
            fields(field -> {
                switch (field) {
                    case "path" -> file.path = text(in, Function.identity());
                    case "kind" -> file.kind = text(in, EntryKind::valueOf);
                    case "mode" -> file.mode = text(in, FileMode::parse);
                    case "size" -> file.size = number(in);
                    case "modified" -> file.modified = text(in, InstantText::parse);
                    case "sha256" -> file.sha256 = text(in, Function.identity());
                    case "linkTarget" -> file.linkTarget = text(in, Function.identity());
                    case "data" -> file.data = objectOrNull(this::data);
                    case "pageMap" -> file.pageMap = text(in, PageMap::parse);
                    case "corruptBlocks" -> blocks(file.corruptBlocks);
                    default -> {
                        return false;
                    }
                }
                return true;
            });
            return new ManifestFile(file.path, file.kind, file.mode, file.size, file.modified, file.sha256,
                    file.linkTarget, file.data, file.pageMap, file.corruptBlocks);
        }

        private FileData data() throws IOException {
            var data = new Object() {
                BackupId backup;
                int part;
                long offset;
                long length;
                String crc32c;
            };
            fields(field -> {
                switch (field) {
                    case "backup" -> data.backup = backupId();
                    case "part" -> data.part = (int) number(in);
                    case "offset" -> data.offset = number(in);
                    case "length" -> data.length = number(in);
                    case "crc32c" -> data.crc32c = text(in, Function.identity());
                    default -> {
                        return false;
                    }
                }
                return true;
            });
            return new FileData(data.backup, data.part, data.offset, data.length, data.crc32c);
        }

        private void fields(Field field) throws IOException {
            fields(field, Set.of());
        }

        /**
         * The fields of the object begun, each handed to field at its value; a field it does not
         * know (false) is skipped, whatever its value holds. Reading stops at the first field named
         * in stopAt, leaving the rest unread.
         */
        private void fields(Field field, Set<String> stopAt) throws IOException {
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String name = in.currentName();
                if (stopAt.contains(name)) {
                    return;
                }
                in.nextToken();
                if (!field.read(name)) {
                    in.skipChildren();
                }
            }
        }

        private BackupId backupId() throws IOException {
            String text = text(in, Function.identity());
            return text == null ? null : ids.computeIfAbsent(text, BackupId::parse);
        }

        /** An array of objects, each made by element (called after its START_OBJECT); null is empty. */
        private <T> void objects(Element<T> element, List<T> into) throws IOException {
            if (in.currentToken() == JsonToken.VALUE_NULL) {
                return;
            }
            expect(JsonToken.START_ARRAY);
            while (in.nextToken() != JsonToken.END_ARRAY) {
                expect(JsonToken.START_OBJECT);
                into.add(element.read());
            }
        }

        private void blocks(List<Integer> into) throws IOException {
            if (in.currentToken() == JsonToken.VALUE_NULL) {
                return;
            }
            expect(JsonToken.START_ARRAY);
            while (in.nextToken() != JsonToken.END_ARRAY) {
                into.add((int) number(in));
            }
        }

        /** The object made by element, or null for JSON null; anything else is an error. */
        private <T> T objectOrNull(Element<T> element) throws IOException {
            if (in.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            expect(JsonToken.START_OBJECT);
            return element.read();
        }

        private void expect(JsonToken token) throws IOException {
            if (in.currentToken() != token) {
                throw new JsonParseException(in, "expected " + token + ", found " + in.currentToken());
            }
        }
    }

    /** Reads what follows an object's START_OBJECT. */
    private interface Element<T> {
        T read() throws IOException;
    }

    /** Reads the value of the named field, if it knows the field. */
    private interface Field {
        boolean read(String name) throws IOException;
    }

    private static void startObject(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("not a JSON object");
        }
    }

    /** The current scalar's text made into a value, or null for JSON null. */
    private static <T> T text(JsonParser in, Function<String, T> value) throws IOException {
        JsonToken token = in.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token == null || !token.isScalarValue()) {
            throw new JsonParseException(in, "expected a value, found " + token);
        }
        return value.apply(in.getText());
    }

    /** The current number (or number as text); null is 0. */
    private static long number(JsonParser in) throws IOException {
        return switch (in.currentToken()) {
            case VALUE_NUMBER_INT -> in.getLongValue();
            case VALUE_NULL -> 0;
            case VALUE_STRING -> Long.parseLong(in.getText().trim());
            default -> throw new JsonParseException(in, "expected a whole number, found " + in.currentToken());
        };
    }

    /** The current boolean; null is false. */
    private static boolean bool(JsonParser in) throws IOException {
        return switch (in.currentToken()) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE, VALUE_NULL -> false;
            default -> throw new JsonParseException(in, "expected true or false, found " + in.currentToken());
        };
    }

    private static int formatVersion(long version) {
        if (version > BackupManifest.FORMAT_VERSION) {
            throw new NewerFormat((int) Math.min(version, Integer.MAX_VALUE));
        }
        return (int) version;
    }

    private static TimelineId timeline(String text) {
        return new TimelineId(Long.parseLong(text));
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
