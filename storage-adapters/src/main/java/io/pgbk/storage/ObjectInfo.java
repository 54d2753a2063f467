package io.pgbk.storage;

import java.time.Instant;

/** What a store knows of one object without reading it. */
public record ObjectInfo(String key, long size, Instant lastModified) {
}
