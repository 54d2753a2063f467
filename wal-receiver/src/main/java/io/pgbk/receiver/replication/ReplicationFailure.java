/*
 * An expected failure of the replication protocol: the server refused a command, ended the
 * connection, or sent something the receiver cannot follow. The message is one line built from
 * what pgbk was doing and the first line of the server's (or driver's) message; pgjdbc's
 * multi-line detail stays in the cause for debug logs. Connection messages never include a
 * password: neither pgjdbc's nor the server's carry one.
 */
package io.pgbk.receiver.replication;

import io.pgbk.error.PgbkException;

public class ReplicationFailure extends PgbkException {
    private static final long serialVersionUID = 1L;

    public ReplicationFailure(String message) {
        super(message);
    }

    public ReplicationFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /** "doing what: first line of the cause", e.g. "cannot connect to host=db1 ...: FATAL: ..." */
    public static ReplicationFailure of(String doing, Throwable cause) {
        return new ReplicationFailure(doing + ": " + firstLine(cause), cause);
    }

    private static String firstLine(Throwable cause) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
