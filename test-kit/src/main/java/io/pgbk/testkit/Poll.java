package io.pgbk.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a condition in a test: looks at it every 50 ms until it holds or the limit passes,
 * never a sleep of a guessed time. A failure says what was awaited and, from context, what was
 * seen instead. A condition may itself throw an AssertionError, to end the wait early when what
 * it awaits can no longer happen.
 */
public record Poll(Duration limit, Clock clock) {

    private static final Duration PAUSE = Duration.ofMillis(50);

    public Poll(Duration limit) {
        this(limit, Clock.systemUTC());
    }

    public void until(String what, BooleanSupplier done, Supplier<String> context) {
        Instant end = clock.instant().plus(limit);
        while (!done.getAsBoolean()) {
            if (clock.instant().isAfter(end)) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what + "\n"
                        + context.get());
            }
            try {
                Thread.sleep(PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    public void until(String what, BooleanSupplier done) {
        until(what, done, () -> "");
    }
}
