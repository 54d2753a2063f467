/*
 * WAL the repository will never hold: the receiver needed it, and the primary it found had
 * already removed it (a failover to a node whose replication slot Patroni re-created at its own
 * position, a slot that was dropped, a receiver down for longer than the primary kept WAL).
 *
 * A gap is recorded in the repository, one object per gap, so that restore knows that no
 * recovery can cross it and retention knows that backups before it cannot be rolled forward
 * past it. from is where the stored WAL ends (a segment boundary on its timeline), to is where
 * streaming resumed.
 */
package io.pgbk.core.wal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.error.PgbkException;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

public record WalGap(WalPosition from, WalPosition to, Instant detectedAt, String server, String detectedBy) {

    /** Where the records live in a cluster's area of the repository (docs/repository-format.md). */
    public static final String KEY_PREFIX = "wal-gaps/";

    /** The object name: sorts by timeline and position, one per starting point. */
    public String fileName() {
        return "%08X%016X.json".formatted(from.timeline().value(), from.lsn().value());
    }

    /** The record's key relative to the cluster's area. */
    public String key() {
        return KEY_PREFIX + fileName();
    }

    /** For users: "0/5000000-0/7000000 on timeline 2", or both timelines when a promotion fell inside the gap. */
    public String range() {
        return from.timeline().equals(to.timeline()) ? from.lsn() + "-" + to.lsn() + " on timeline " + from.timeline()
                : from + " to " + to;
    }

    /** The segments the gap leaves missing, first to last, named on the timeline each begins on. */
    public String segments(WalSegmentSize size) {
        WalSegmentName first = WalSegmentName.from(from.timeline(), from.lsn(), size);
        Lsn lastByte = to.lsn().compareTo(from.lsn()) > 0 ? to.lsn().plus(-1) : from.lsn();
        WalSegmentName last = WalSegmentName.from(to.lsn().compareTo(from.lsn()) > 0 ? to.timeline() : from.timeline(),
                lastByte, size);
        return first.equals(last) ? "segment " + first : "segments " + first + " to " + last;
    }

    public byte[] toJson() {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("from_timeline", from.timeline().value());
        document.put("from_lsn", from.lsn().toString());
        document.put("to_timeline", to.timeline().value());
        document.put("to_lsn", to.lsn().toString());
        document.put("detected_at", detectedAt.toString());
        document.put("server", server);
        document.put("detected_by", detectedBy);
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a map of strings and numbers as JSON", e);
        }
    }

    /** Reads a record written by toJson(); source names it in the message when it is not one. */
    public static WalGap fromJson(byte[] json, String source) {
        try {
            JsonNode document = new ObjectMapper().readTree(json);
            return new WalGap(
                    new WalPosition(new TimelineId(field(document, "from_timeline").asLong()),
                            Lsn.parse(field(document, "from_lsn").asText())),
                    new WalPosition(new TimelineId(field(document, "to_timeline").asLong()),
                            Lsn.parse(field(document, "to_lsn").asText())),
                    Instant.parse(field(document, "detected_at").asText()),
                    field(document, "server").asText(), field(document, "detected_by").asText());
        } catch (IOException | DateTimeParseException | IllegalArgumentException e) {
            throw new PgbkException(source + " is not a WAL gap record: " + e.getMessage(), e);
        }
    }

    private static JsonNode field(JsonNode document, String name) {
        JsonNode value = document == null ? null : document.get(name);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("'" + name + "' is missing");
        }
        return value;
    }

    @Override
    public String toString() {
        return "WAL from " + from + " to " + to;
    }
}
