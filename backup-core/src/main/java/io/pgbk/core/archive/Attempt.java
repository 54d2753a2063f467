/*
 * The outcome of one file in a batch (pushAll, fetchAll): its result, or the expected failure
 * that stopped it. A batch does not stop at the first failure, because the spools built on it
 * must know exactly which files made it (to trim them) and which to retry.
 */
package io.pgbk.core.archive;

import io.pgbk.error.PgbkException;
import java.util.Optional;

public record Attempt<T>(String walName, Optional<T> result, Optional<PgbkException> failure) {

    public Attempt {
        if (result.isPresent() == failure.isPresent()) {
            throw new IllegalArgumentException("an attempt has either a result or a failure");
        }
    }

    public static <T> Attempt<T> succeeded(String walName, T result) {
        return new Attempt<>(walName, Optional.of(result), Optional.empty());
    }

    public static <T> Attempt<T> failed(String walName, PgbkException failure) {
        return new Attempt<>(walName, Optional.empty(), Optional.of(failure));
    }

    public boolean succeeded() {
        return result.isPresent();
    }
}
