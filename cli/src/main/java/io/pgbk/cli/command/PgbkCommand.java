/*
 * What a pgbk subcommand is to Main: the settings it reads, which become its flags (secrets
 * excepted), and the work it does once Main has read and checked the configuration and set up
 * logging. Commands stay thin: they wire configuration to the modules that do the work.
 *
 * Expected failures are thrown as PgbkException and reported by Main as one line, exit status 1;
 * a command returns FAILURE itself only for an outcome it has already reported.
 */
package io.pgbk.cli.command;

import io.pgbk.cli.config.Setting;

import java.util.List;

public interface PgbkCommand {

    List<Setting<?>> settings();

    ExitStatus run(CommandContext context) throws Exception;
}
