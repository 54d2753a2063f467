/*
 * How long pgbk waits for a DCS, and the clock it measures waits with. The defaults suit a DCS
 * on the local network: a primary must notice within its TTL that the store is gone, so a
 * request may not hang for longer than a fraction of a typical TTL (10 to 30 s).
 */
package io.pgbk.ha.dcs;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

public record DcsSettings(Duration connectTimeout, Duration requestTimeout, Clock clock) {

    public DcsSettings {
        Objects.requireNonNull(clock, "clock");
        if (connectTimeout.isNegative() || connectTimeout.isZero()
                || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("DCS timeouts must be positive");
        }
    }

    public static DcsSettings defaults() {
        return new DcsSettings(Duration.ofSeconds(2), Duration.ofSeconds(5), Clock.systemUTC());
    }

    public DcsSettings withTimeouts(Duration connect, Duration request) {
        return new DcsSettings(connect, request, clock);
    }
}
