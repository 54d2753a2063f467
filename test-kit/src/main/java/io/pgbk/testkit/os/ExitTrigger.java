package io.pgbk.testkit.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A shell script that runs when this JVM ends, however it ends, including SIGKILL, which skips
 * shutdown hooks. The script waits on a pipe from the JVM; the kernel closes the pipe when the JVM
 * dies, so the script wakes without polling. Servers that would outlive a killed test JVM (a
 * PostgreSQL postmaster does) arm one while they run and disarm it when they stop.
 */
public final class ExitTrigger implements AutoCloseable {

    private final Process shell;

    private ExitTrigger(Process shell) {
        this.shell = shell;
    }

    /**
     * Arms {@code script} (POSIX sh; {@code $1}, {@code $2}... are {@code args}) to run, as the
     * JVM's own OS user, once the JVM is gone.
     */
    public static ExitTrigger arm(String script, List<String> args) {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "read _ignored; " + script, "pgbk-exit-trigger"));
        command.addAll(args);
        try {
            Process shell = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return new ExitTrigger(shell);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start sh for an exit trigger", e);
        }
    }

    /** Disarms: the script is killed before its pipe closes, so it never runs. */
    @Override
    public void close() {
        shell.destroyForcibly();
        try {
            shell.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                shell.getOutputStream().close();
            } catch (IOException alreadyClosed) {
                // the shell is dead; nothing reads the pipe any more
            }
        }
    }
}
