package io.pgbk.receiver;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes; the message says what was awaited and what was seen. */
final class Eventually {

    private static final Duration PAUSE = Duration.ofMillis(50);

    private Eventually() {
    }

    static void await(String what, Duration limit, BooleanSupplier done, Supplier<String> seen) {
        Instant end = Instant.now().plus(limit);
        while (!done.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what + "; " + seen.get());
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
