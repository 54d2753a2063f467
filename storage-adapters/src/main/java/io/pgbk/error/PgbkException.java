/*
 * The one exception type for expected failures: bad input, an unreachable server, a missing
 * WAL segment, a repository of another cluster. Its message is a single line written for the
 * user; the command line prints it without a stack trace and exits with status 1. Anything
 * else that escapes is a bug and is reported as such.
 *
 * It lives in the lowest module so that every module raises the same type.
 */
package io.pgbk.error;

public class PgbkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PgbkException(String message) {
        super(message);
    }

    public PgbkException(String message, Throwable cause) {
        super(message, cause);
    }
}
