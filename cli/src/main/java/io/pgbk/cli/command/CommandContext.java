/*
 * Everything a command gets from the outside world, so that tests can run it in-process with
 * their own environment, clock and captured output.
 */
package io.pgbk.cli.command;

import io.pgbk.cli.config.Configuration;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;

/**
 * @param out         command output (stdout), for people and scripts
 * @param err         diagnostics (stderr); logging goes there as well
 * @param environment the process environment, for libpq's PG* defaults and the like
 */
public record CommandContext(Configuration configuration, PrintWriter out, PrintWriter err,
                             Map<String, String> environment, Clock clock) {
}
