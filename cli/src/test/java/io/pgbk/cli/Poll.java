package io.pgbk.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for a condition in a test: poll it with a short pause until a deadline, never sleep a guessed time. */
public record Poll(Duration limit) {

    private static final Duration PAUSE = Duration.ofMillis(100);

    public void until(String what, BooleanSupplier done, Supplier<String> context) {
        Instant end = Instant.now().plus(limit);
        while (!done.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what + "\n" + context.get());
            }
            try {
                Thread.sleep(PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
