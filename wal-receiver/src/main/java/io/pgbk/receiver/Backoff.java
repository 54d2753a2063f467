/*
 * How long to wait before the next attempt after a failure: doubling from the first delay up to
 * the last, back to the first once an attempt gets somewhere. A receiver that cannot reach its
 * primary keeps trying forever, but politely.
 */
package io.pgbk.receiver;

import java.time.Duration;

public record Backoff(Duration first, Duration last, Duration delay) {

    public Backoff {
        if (first.isNegative() || first.isZero() || last.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= last, not " + first + " and " + last);
        }
    }

    public static Backoff between(Duration first, Duration last) {
        return new Backoff(first, last, first);
    }

    /** The backoff after one more failure. */
    public Backoff next() {
        Duration doubled = delay.multipliedBy(2);
        return new Backoff(first, last, doubled.compareTo(last) > 0 ? last : doubled);
    }

    public Backoff reset() {
        return new Backoff(first, last, first);
    }
}
