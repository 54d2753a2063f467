/*
 * Where a repository lives, as a user writes it in a setting: an absolute path or file:///path
 * (the local store) or s3://bucket/prefix. Parsing is strict, since a typo must not send backups
 * somewhere unexpected: relative paths are refused (PostgreSQL runs archive_command in the data
 * directory), as are unknown schemes and credentials inside the URI; messages never echo a
 * location that may hold credentials.
 *
 * toString() is the canonical form ("file:///var/lib/pgbk", "s3://bucket/prefix"), the same text
 * the opened store's describe() gives.
 */
package io.pgbk.storage;

import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.storage.s3.S3ObjectStore;
import io.pgbk.storage.s3.S3Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

public record StoreLocation(Scheme scheme, String bucket, String path) {

    /** The kind of store a location opens. */
    public enum Scheme { FILE, S3 }

    private static final String USAGE = "use an absolute path, file:///path or s3://bucket/prefix";

    public static StoreLocation parse(String text) {
        if (text == null || text.isBlank()) {
            throw new StorageException("empty repository location: " + USAGE);
        }
        String trimmed = text.trim();
        if (trimmed.regionMatches(true, 0, "s3://", 0, 5)) {
            return parseS3(trimmed);
        }
        if (trimmed.regionMatches(true, 0, "file:", 0, 5)) {
            return parseFile(trimmed);
        }
        if (trimmed.matches("^[A-Za-z][A-Za-z0-9+.\\-]*:.*")) {
            throw new StorageException("unsupported repository location '" + safe(trimmed) + "': " + USAGE);
        }
        return ofPath(trimmed, trimmed);
    }

    private static StoreLocation parseS3(String text) {
        URI uri = uri(text);
        if (uri.getRawUserInfo() != null || text.indexOf('@') >= 0) {
            throw new StorageException("a repository location must not contain credentials: set the S3 access key"
                    + " and secret key instead");
        }
        String bucket = uri.getHost();
        if (bucket == null || uri.getPort() != -1 || uri.getQuery() != null || uri.getFragment() != null) {
            throw new StorageException("invalid repository location '" + text + "': use s3://bucket/prefix");
        }
        String prefix = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+", "").replaceAll("/+$", "");
        try {
            S3Settings.defaults().withLocation(bucket, prefix);
        } catch (StorageException e) {
            throw new StorageException("invalid repository location '" + text + "': " + e.getMessage());
        }
        return new StoreLocation(Scheme.S3, bucket, prefix);
    }

    private static StoreLocation parseFile(String text) {
        URI uri = uri(text);
        String host = uri.getHost();
        if (uri.getRawAuthority() != null && !"localhost".equals(host) || uri.getPath() == null
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new StorageException("invalid repository location '" + safe(text)
                    + "': use file:///absolute/path (three slashes)");
        }
        return ofPath(uri.getPath(), text);
    }

    private static StoreLocation ofPath(String pathText, String text) {
        Path path;
        try {
            path = Path.of(pathText);
        } catch (InvalidPathException e) {
            throw new StorageException("invalid repository location '" + safe(text) + "': " + e.getReason());
        }
        if (!path.isAbsolute()) {
            throw new StorageException("repository location '" + safe(text) + "' is a relative path: give an absolute"
                    + " path, since commands run from different directories (archive_command runs in PGDATA)");
        }
        return new StoreLocation(Scheme.FILE, null, path.normalize().toString());
    }

    /** The directory of a file location. */
    public Path directory() {
        if (scheme != Scheme.FILE) {
            throw new IllegalStateException(this + " is not a file location");
        }
        return Path.of(path);
    }

    /**
     * Opens the store. For S3 the bucket and prefix come from this location, everything else
     * (endpoint, credentials, encryption...) from s3Defaults, which may be null for AWS defaults.
     */
    public ObjectStore open(S3Settings s3Defaults) {
        if (scheme == Scheme.FILE) {
            return new LocalObjectStore(directory());
        }
        S3Settings base = s3Defaults == null ? S3Settings.defaults() : s3Defaults;
        return new S3ObjectStore(base.withLocation(bucket, path));
    }

    @Override
    public String toString() {
        return scheme == Scheme.FILE ? "file://" + path : "s3://" + bucket + (path.isEmpty() ? "" : "/" + path);
    }

    private static URI uri(String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new StorageException("invalid repository location '" + safe(text) + "': " + e.getReason());
        }
    }

    /** The location as messages may show it: without anything that looks like credentials. */
    private static String safe(String text) {
        int at = text.indexOf('@');
        int schemeEnd = text.indexOf("://");
        return at < 0 ? text : (schemeEnd < 0 ? "" : text.substring(0, schemeEnd + 3)) + "***" + text.substring(at);
    }
}
