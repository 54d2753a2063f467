/*
 * The name of a replication slot: what PostgreSQL accepts (lower-case letters, digits and
 * underscores, at most 63 characters). Checking it here keeps a name from ever being anything
 * but an identifier in a replication command.
 */
package io.pgbk.receiver.replication;

import io.pgbk.error.PgbkException;

import java.util.regex.Pattern;

public record SlotName(String value) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9_]{1,63}");

    public SlotName {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new PgbkException("invalid replication slot name '" + value
                    + "': use 1 to 63 lower-case letters, digits and underscores");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
