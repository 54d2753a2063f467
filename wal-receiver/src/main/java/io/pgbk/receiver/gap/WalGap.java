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
package io.pgbk.receiver.gap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.receiver.timeline.WalPosition;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

public record WalGap(WalPosition from, WalPosition to, Instant detectedAt, String server, String detectedBy) {

    /** The object name: sorts by timeline and position, one per starting point. */
    public String fileName() {
        return "%08X%016X.json".formatted(from.timeline().value(), from.lsn().value());
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

    @Override
    public String toString() {
        return "WAL from " + from + " to " + to;
    }
}
