/*
 * `pgbk config`: the settings in effect and where each came from (flag, environment variable,
 * config file or default), for the question "why does pgbk archive there?". It accepts every
 * setting as a flag, so a command line can be checked before it goes into archive_command.
 * Secrets are masked; the output may be pasted into a ticket.
 */
package io.pgbk.cli.command.config;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.List;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the settings in effect and where each comes from; secrets are masked.")
public final class ConfigCommand implements PgbkCommand {

    @Override
    public List<Setting<?>> settings() {
        return Settings.ALL;
    }

    @Override
    public ExitStatus run(CommandContext context) {
        Configuration configuration = context.configuration();
        int width = Settings.ALL.stream().mapToInt(setting -> setting.name().length()).max().orElse(0);
        context.out().println("config file: " + configuration.file().map(Path::toString).orElse("none"));
        for (Setting<?> setting : Settings.ALL) {
            String shown = configuration.entry(setting)
                    .map(entry -> entry.display() + "  (" + entry.origin() + ")")
                    .orElse("(not set)");
            context.out().println(String.format("%-" + width + "s  %s", setting.name(), shown));
        }
        return ExitStatus.OK;
    }
}
