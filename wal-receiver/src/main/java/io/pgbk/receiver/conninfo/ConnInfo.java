/*
 * Where and as whom to connect, in libpq's words: either a keyword/value string
 * ("host=db1 port=5432 user=replicator") or a URI ("postgres://replicator@db1:5432/postgres",
 * the form Patroni publishes as a member's conn_url). Missing values come from libpq's
 * environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE) and then libpq's defaults, so an
 * operator's existing settings keep working.
 *
 * The password, when the conninfo carries one, is kept but never shown: toString() describes the
 * target without it, and so does every message built from a ConnInfo.
 */
package io.pgbk.receiver.conninfo;

import io.pgbk.error.PgbkException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

public record ConnInfo(String host, int port, String user, String dbname, Optional<String> password,
                       Map<String, String> options) {

    private static final int DEFAULT_PORT = 5432;
    private static final Set<String> TARGET = Set.of("host", "port", "user", "dbname", "password");
    /** Keywords passed on to the driver as they are; anything else is refused, not silently ignored. */
    private static final Set<String> OPTIONS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey",
            "application_name", "connect_timeout", "passfile");

    public ConnInfo {
        options = Map.copyOf(options);
    }

    /** Parses a keyword/value string or a postgres:// URI, filling gaps from the environment. */
    public static ConnInfo parse(String conninfo, Map<String, String> environment) {
        String text = conninfo.strip();
        Map<String, String> values = text.startsWith("postgres://") || text.startsWith("postgresql://")
                ? parseUri(text)
                : parseKeywords(text);
        return fromValues(values, environment);
    }

    /** "host=db1 port=5432 user=replicator dbname=postgres", for messages and logs: no password. */
    public String describe() {
        return "host=" + host + " port=" + port + " user=" + user + " dbname=" + dbname;
    }

    @Override
    public String toString() {
        return describe();
    }

    public Optional<String> option(String keyword) {
        return Optional.ofNullable(options.get(keyword));
    }

    private static ConnInfo fromValues(Map<String, String> values, Map<String, String> environment) {
        for (String keyword : values.keySet()) {
            if (!OPTIONS.contains(keyword) && !TARGET.contains(keyword)) {
                throw new PgbkException("unsupported connection keyword \"" + keyword + "\"");
            }
        }
        String host = firstOf(values.get("host"), environment.get("PGHOST"), "localhost");
        if (host.startsWith("/")) {
            throw new PgbkException("connection host " + host + " is a Unix socket directory: pgbk connects over TCP, give a host name");
        }
        String portText = firstOf(values.get("port"), environment.get("PGPORT"), Integer.toString(DEFAULT_PORT));
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new PgbkException("invalid connection port \"" + portText + "\"");
        }
        if (port < 1 || port > 65_535) {
            throw new PgbkException("invalid connection port " + port);
        }
        String user = firstOf(values.get("user"), environment.get("PGUSER"), System.getProperty("user.name", "postgres"));
        String dbname = firstOf(values.get("dbname"), environment.get("PGDATABASE"), user);
        Map<String, String> options = new LinkedHashMap<>();
        for (String keyword : OPTIONS) {
            if (values.containsKey(keyword)) {
                options.put(keyword, values.get(keyword));
            }
        }
        return new ConnInfo(host, port, user, dbname, Optional.ofNullable(values.get("password")), options);
    }

    /** The first value given; the last candidate is a default that always exists. */
    private static String firstOf(String given, String fromEnvironment, String fallback) {
        if (given != null && !given.isEmpty()) {
            return given;
        }
        return fromEnvironment != null && !fromEnvironment.isEmpty() ? fromEnvironment : fallback;
    }

    /** libpq's keyword = value syntax: values may be single-quoted, backslash escapes ' and \. */
    private static Map<String, String> parseKeywords(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        int i = 0;
        int n = text.length();
        while (true) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i == n) {
                return values;
            }
            int keyStart = i;
            while (i < n && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            String keyword = text.substring(keyStart, i);
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i == n || text.charAt(i) != '=') {
                throw new PgbkException("invalid connection string: missing \"=\" after \"" + keyword + "\"");
            }
            i++;
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && text.charAt(i) == '\'') {
                i++;
                while (true) {
                    if (i == n) {
                        throw new PgbkException("invalid connection string: unterminated quoted value for \"" + keyword + "\"");
                    }
                    char c = text.charAt(i++);
                    if (c == '\'') {
                        break;
                    }
                    if (c == '\\' && i < n) {
                        c = text.charAt(i++);
                    }
                    value.append(c);
                }
            } else {
                while (i < n && !Character.isWhitespace(text.charAt(i))) {
                    char c = text.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = text.charAt(i++);
                    }
                    value.append(c);
                }
            }
            values.put(keyword, value.toString());
        }
    }

    /** postgres[ql]://[user[:password]@][host][:port][/dbname][?keyword=value&...] */
    private static Map<String, String> parseUri(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        String rest = text.substring(text.indexOf("://") + 3);
        int query = rest.indexOf('?');
        String parameters = query >= 0 ? rest.substring(query + 1) : "";
        rest = query >= 0 ? rest.substring(0, query) : rest;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            putDecoded(values, "dbname", rest.substring(slash + 1));
            rest = rest.substring(0, slash);
        }
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String credentials = rest.substring(0, at);
            int colon = credentials.indexOf(':');
            putDecoded(values, "user", colon >= 0 ? credentials.substring(0, colon) : credentials);
            if (colon >= 0) {
                putDecoded(values, "password", credentials.substring(colon + 1));
            }
            rest = rest.substring(at + 1);
        }
        int portColon = rest.startsWith("[") ? rest.indexOf(':', rest.indexOf(']')) : rest.lastIndexOf(':');
        if (portColon >= 0) {
            putDecoded(values, "port", rest.substring(portColon + 1));
            rest = rest.substring(0, portColon);
        }
        putDecoded(values, "host", rest.startsWith("[") && rest.endsWith("]") ? rest.substring(1, rest.length() - 1) : rest);
        for (String pair : parameters.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new PgbkException("invalid connection URI parameter \"" + pair + "\"");
            }
            putDecoded(values, decode(pair.substring(0, eq)), pair.substring(eq + 1));
        }
        return values;
    }

    private static void putDecoded(Map<String, String> values, String keyword, String encoded) {
        if (!encoded.isEmpty()) {
            values.put(keyword, decode(encoded));
        }
    }

    private static String decode(String encoded) {
        return URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
