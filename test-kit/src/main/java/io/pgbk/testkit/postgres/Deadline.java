package io.pgbk.testkit.postgres;

import io.pgbk.testkit.Poll;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The moment a wait gives up, shared by the steps of one operation (a server's start): each
 * step polls its condition (can I connect? has the standby replayed this LSN?) for what is left.
 */
record Deadline(Clock clock, Instant end) {

    static Deadline after(Duration limit, Clock clock) {
        return new Deadline(clock, clock.instant().plus(limit));
    }

    boolean passed() {
        return !clock.instant().isBefore(end);
    }

    /**
     * Polls {@code done} until it holds; past the deadline fails with {@code what} and the
     * {@code context} (a server log tail). {@code done} may itself throw to fail early.
     */
    void await(String what, BooleanSupplier done, Supplier<String> context) {
        Duration left = Duration.between(clock.instant(), end);
        new Poll(left.isNegative() ? Duration.ZERO : left, clock).until(what, done, context);
    }
}
