/*
 * A cluster member as Patroni publishes it in members/<name>: a JSON object whose fields are
 * conn_url, api_url, state, role ("master" in Patroni 3.0, "primary" later, "replica",
 * "standby_leader"), xlog_location (an LSN as a plain integer), timeline, version, tags, and
 * whatever else the agent adds. The map keeps every field, so writing back what was read loses
 * nothing; the accessors interpret the fields that pgbk acts on.
 */
package io.pgbk.ha.dcs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

public record Member(String name, Map<String, Object> data) {

    private static final TypeReference<LinkedHashMap<String, Object>> JSON_OBJECT = new TypeReference<>() { };

    public Member {
        Objects.requireNonNull(name, "name");
        data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
    }

    /**
     * Reads a member key's value. Like Patroni, a value that is not a JSON object yields a member
     * without data rather than an error: one bad key must not hide the rest of the cluster.
     */
    public static Member fromJson(String name, String json, ObjectMapper mapper) {
        try {
            return new Member(name, mapper.readValue(json, JSON_OBJECT));
        } catch (JsonProcessingException | IllegalArgumentException notAnObject) {
            return new Member(name, Map.of());
        }
    }

    /**
     * Where to reach the member's PostgreSQL. Newer Patroni versions may publish only
     * conn_kwargs; the URL is then built from its host and port, as Patroni itself does.
     */
    public Optional<String> connUrl() {
        Optional<String> url = text("conn_url");
        if (url.isPresent()) {
            return url;
        }
        if (data.get("conn_kwargs") instanceof Map<?, ?> kwargs && kwargs.get("host") != null) {
            Object port = kwargs.get("port") == null ? 5432 : kwargs.get("port");
            return Optional.of("postgresql://" + kwargs.get("host") + ":" + port);
        }
        return Optional.empty();
    }

    public Optional<String> apiUrl() {
        return text("api_url");
    }

    public Optional<String> role() {
        return text("role");
    }

    public Optional<String> state() {
        return text("state");
    }

    public OptionalLong timeline() {
        return number("timeline");
    }

    /** The member's WAL position in bytes (Patroni writes the LSN as an integer). */
    public OptionalLong xlogLocation() {
        return number("xlog_location");
    }

    private Optional<String> text(String field) {
        Object value = data.get(field);
        return value == null || value.toString().isEmpty() ? Optional.empty() : Optional.of(value.toString());
    }

    private OptionalLong number(String field) {
        Object value = data.get(field);
        if (value instanceof Number n) {
            return OptionalLong.of(n.longValue());
        }
        if (value instanceof String s && s.matches("\\d+")) {
            return OptionalLong.of(Long.parseLong(s));
        }
        return OptionalLong.empty();
    }
}
