/*
 * The replication protocol's clock: microseconds since 2000-01-01 00:00:00 UTC, PostgreSQL's
 * epoch, in the sendTime fields of XLogData and keepalive messages and in the clock field of a
 * standby status update. The server only uses ours to compute replication lag.
 */
package io.pgbk.receiver.replication;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

public record PgTimestamp(long microsSince2000) {

    private static final Instant EPOCH = Instant.parse("2000-01-01T00:00:00Z");

    public static PgTimestamp of(Instant instant) {
        return new PgTimestamp(ChronoUnit.MICROS.between(EPOCH, instant));
    }

    public Instant toInstant() {
        return EPOCH.plus(microsSince2000, ChronoUnit.MICROS);
    }
}
