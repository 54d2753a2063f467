package io.pgbk.storage;

import io.pgbk.error.PgbkException;

/** A store could not do what was asked: the message names the store and the key, never a secret. */
public class StorageException extends PgbkException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
