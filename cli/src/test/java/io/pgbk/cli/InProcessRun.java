package io.pgbk.cli;

import io.pgbk.cli.command.PgbkCommand;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * pgbk run in the test's JVM, as the launcher would run it but with the test's own environment
 * and system config file, its output captured.
 */
public record InProcessRun(int status, String out, String err) {

    public static InProcessRun of(Map<String, String> environment, Path systemConfigFile, String... args) {
        return of(List.of(), environment, systemConfigFile, args);
    }

    static InProcessRun of(List<PgbkCommand> extraCommands, Map<String, String> environment, Path systemConfigFile,
                           String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Invocation invocation = new Invocation(environment, systemConfigFile, Clock.systemUTC(),
                new PrintWriter(out, true), new PrintWriter(err, true));
        int status = new Main(invocation).execute(extraCommands, args);
        return new InProcessRun(status, out.toString(), err.toString());
    }

    /** The lines of stderr. */
    public List<String> errLines() {
        return err.lines().toList();
    }
}
