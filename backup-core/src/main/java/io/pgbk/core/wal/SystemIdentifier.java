/*
 * The identifier initdb gives a cluster (pg_control, IDENTIFY_SYSTEM, the long header of every
 * WAL segment). Its physical standbys share it; nothing else does, which is why the repository
 * refuses WAL and backups that carry another one. An unsigned 64-bit number, printed in decimal
 * as PostgreSQL does, and kept as a string in JSON where readers may only have doubles.
 */
package io.pgbk.core.wal;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.pgbk.error.PgbkException;

public record SystemIdentifier(long value) {

    @JsonCreator
    public static SystemIdentifier parse(String decimal) {
        try {
            return new SystemIdentifier(Long.parseUnsignedLong(String.valueOf(decimal)));
        } catch (NumberFormatException e) {
            throw new PgbkException("invalid system identifier '" + decimal + "': expected an unsigned decimal number");
        }
    }

    @JsonValue
    @Override
    public String toString() {
        return Long.toUnsignedString(value);
    }
}
