package io.pgbk.testkit.postgres;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The moment a wait gives up. Waiting means polling a condition (can I connect? has the standby
 * replayed this LSN?) with a short pause, never sleeping for a guessed duration.
 */
record Deadline(Clock clock, Instant end, Duration limit) {

    private static final Duration PAUSE = Duration.ofMillis(50);

    static Deadline after(Duration limit, Clock clock) {
        return new Deadline(clock, clock.instant().plus(limit), limit);
    }

    boolean passed() {
        return !clock.instant().isBefore(end);
    }

    /**
     * Polls {@code done} until it holds; past the deadline fails with {@code what} and the
     * {@code context} (a server log tail). {@code done} may itself throw to fail early.
     */
    void await(String what, BooleanSupplier done, Supplier<String> context) {
        while (!done.getAsBoolean()) {
            if (passed()) {
                throw new IllegalStateException("timed out after " + limit.toSeconds() + " s waiting for " + what + "\n"
                        + context.get());
            }
            try {
                Thread.sleep(PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
