/*
 * pgbk's exit statuses. PostgreSQL only distinguishes zero from non-zero for archive_command and
 * restore_command (above 125 it would stop recovery), so the small numbers serve scripts: 1 for a
 * failure the user can act on, 2 for a command line that was not understood, 3 for a bug.
 */
package io.pgbk.cli.command;

public enum ExitStatus {
    OK(0),
    FAILURE(1),
    USAGE(2),
    INTERNAL_ERROR(3);

    private final int code;

    ExitStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
