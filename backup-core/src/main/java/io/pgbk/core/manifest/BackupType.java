/*
 * A full backup holds every file; an incremental one holds, for relation files, only the pages
 * changed since its parent started, and refers to its parent for everything else.
 */
package io.pgbk.core.manifest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.pgbk.error.PgbkException;
import java.util.Locale;

public enum BackupType {
    FULL,
    INCR;

    @JsonCreator
    public static BackupType parse(String text) {
        for (BackupType type : values()) {
            if (type.toString().equalsIgnoreCase(text)) {
                return type;
            }
        }
        throw new PgbkException("invalid backup type '" + text + "': expected full or incr");
    }

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
