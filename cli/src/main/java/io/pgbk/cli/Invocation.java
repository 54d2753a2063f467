/*
 * What one run of pgbk receives from the outside world. Main reads nothing global itself, so a
 * test runs the whole command line in-process with its own environment, system config file,
 * clock and captured output, and runs in parallel with other tests.
 */
package io.pgbk.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * @param environment the process environment: PGBK_* settings, PGBK_CONFIG, libpq's PG* defaults
 * @param systemConfigFile the config file used when neither --config nor PGBK_CONFIG names one
 */
public record Invocation(Map<String, String> environment, Path systemConfigFile, Clock clock,
                         PrintWriter out, PrintWriter err) {

    public static final Path SYSTEM_CONFIG_FILE = Path.of("/etc/pgbk/pgbk.yaml");

    public static Invocation ofProcess() {
        return new Invocation(System.getenv(), SYSTEM_CONFIG_FILE, Clock.systemUTC(),
                new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }
}
