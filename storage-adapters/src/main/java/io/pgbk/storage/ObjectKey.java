/*
 * A key as every store accepts it: '/'-separated segments, none empty, none "." or "..", none
 * starting with '.', no backslash or control character. The same key must mean the same thing
 * on a file system and on S3, so what a file system would interpret (climbing out of the root,
 * hidden files) is refused everywhere. Names starting with '.' are reserved for the temporary
 * files of a store, which is what keeps a half-written file out of every listing.
 */
package io.pgbk.storage;

import java.util.List;

public record ObjectKey(String value) {

    public ObjectKey {
        String problem = problemWith(value);
        if (problem != null) {
            throw new StorageException("invalid object key '" + printable(value) + "': " + problem);
        }
    }

    public static ObjectKey of(String value) {
        return new ObjectKey(value);
    }

    /**
     * Checks a listing prefix: like a key, except that it may be empty, end with '/', and end
     * in the middle of a segment ("main/wal/00000001").
     */
    public static String checkPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        String whole = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        String problem = problemWith(whole);
        if (problem != null) {
            throw new StorageException("invalid object key prefix '" + printable(prefix) + "': " + problem);
        }
        return prefix;
    }

    public List<String> segments() {
        return List.of(value.split("/"));
    }

    /** The last segment: the name of the object within its "directory". */
    public String name() {
        return value.substring(value.lastIndexOf('/') + 1);
    }

    @Override
    public String toString() {
        return value;
    }

    private static String problemWith(String key) {
        if (key == null || key.isEmpty()) {
            return "empty";
        }
        if (key.startsWith("/")) {
            return "starts with '/'";
        }
        if (key.endsWith("/")) {
            return "ends with '/'";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\' || Character.isISOControl(c)) {
                return "contains a backslash or a control character";
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty()) {
                return "has an empty segment";
            }
            if (segment.equals("..") || segment.equals(".")) {
                return "has a '" + segment + "' segment";
            }
            if (segment.startsWith(".")) {
                return "has a segment starting with '.' (reserved for temporary files)";
            }
        }
        return null;
    }

    private static String printable(String key) {
        if (key == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        key.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
