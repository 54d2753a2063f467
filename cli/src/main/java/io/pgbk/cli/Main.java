/*
 * The pgbk command line: the root command, its global options, and the one place that turns
 * outcomes into exit statuses and messages.
 *
 * A run goes: picocli parses the arguments (a usage error exits 2); --verbose/--quiet set up
 * logging; the configuration is read from the config file, the environment and the command's
 * flags and checked as a whole; logging takes the configured level; the subcommand runs.
 * Its settings become its flags here, from the settings table, so every command spells and
 * documents them the same way.
 *
 * Failures: a PgbkException is an expected failure and prints exactly one line, "pgbk: <message>",
 * exit status 1; anything else is a bug and prints one line naming it, exit status 3. Stack traces
 * appear only at debug level (--verbose), since PostgreSQL copies stderr of archive_command and
 * restore_command into its log, once per WAL segment.
 */
package io.pgbk.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.command.backup.BackupCommand;
import io.pgbk.cli.command.check.CheckCommand;
import io.pgbk.cli.command.config.ConfigCommand;
import io.pgbk.cli.command.expire.ExpireCommand;
import io.pgbk.cli.command.list.ListCommand;
import io.pgbk.cli.command.receivewal.ReceiveWalCommand;
import io.pgbk.cli.command.restore.RestoreCommand;
import io.pgbk.cli.command.show.ShowCommand;
import io.pgbk.cli.command.verify.VerifyCommand;
import io.pgbk.cli.command.walfetch.WalFetchCommand;
import io.pgbk.cli.command.walprefetch.WalPrefetchCommand;
import io.pgbk.cli.command.walpush.WalPushCommand;
import io.pgbk.cli.command.walpushasync.WalPushAsyncCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.ConfigurationReader;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.logging.ConsoleLogging;
import io.pgbk.cli.logging.LoggingProvider;
import io.pgbk.error.PgbkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

@Command(name = "pgbk", mixinStandardHelpOptions = true, versionProvider = PgbkVersion.class,
        description = "PostgreSQL backup and point-in-time recovery.%n"
                + "Settings come from a YAML config file, PGBK_* environment variables and flags; a flag wins "
                + "over the environment, which wins over the file. Run 'pgbk config' to see them.",
        synopsisSubcommandLabel = "COMMAND",
        footerHeading = "%nExit status:%n",
        footer = {"  0  success",
                "  1  failure, explained in one line on stderr; wal-fetch: no such WAL file",
                "  2  the command line was not understood",
                "  3  internal error (a bug); --verbose shows its stack trace"})
public final class Main {

    /** The subcommands, in the order help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(BackupCommand.class, ListCommand.class, ShowCommand.class,
            WalPushCommand.class, WalFetchCommand.class, WalPrefetchCommand.class, WalPushAsyncCommand.class,
            RestoreCommand.class, ReceiveWalCommand.class, VerifyCommand.class, CheckCommand.class,
            ExpireCommand.class, ConfigCommand.class, CommandLine.HelpCommand.class);

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "YAML config file; default: $PGBK_CONFIG, else " + "/etc/pgbk/pgbk.yaml if it exists.")
    private Path configFile;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Debug messages, with the stack trace of an error.")
    private boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "Errors only.")
    private boolean quiet;

    private final Invocation invocation;
    private final LibraryPreload preload;

    public Main(Invocation invocation) {
        this(invocation, LibraryPreload.NONE);
    }

    private Main(Invocation invocation, LibraryPreload preload) {
        this.invocation = invocation;
        this.preload = preload;
    }

    public static void main(String[] args) {
        LoggingProvider.install();
        LibraryPreload preload = LibraryPreload.start(commandName(args));
        Invocation invocation = Invocation.ofProcess();
        int status = new Main(invocation, preload).execute(args);
        invocation.out().flush();
        invocation.err().flush();
        System.exit(status);
    }

    /** Runs the command line and returns the exit status. */
    public int execute(String... args) {
        return execute(List.of(), args);
    }

    /** As execute(args), with more subcommands: tests add commands that fail in ways the real ones must not. */
    int execute(List<PgbkCommand> extraCommands, String... args) {
        CommandLine commandLine = new CommandLine(this);
        commandsFor(args).forEach(commandLine::addSubcommand);
        extraCommands.forEach(commandLine::addSubcommand);
        // set after the subcommands are added: picocli hands these to the subcommands it has
        commandLine.setOut(invocation.out())
                .setErr(invocation.err())
                .setExecutionStrategy(this::runReportingFailures)
                .setParameterExceptionHandler(this::reportUsageError)
                .setExecutionExceptionHandler((e, failed, parseResult) -> report(e));
        addSettingOptions(commandLine);
        try {
            return commandLine.execute(args);
        } finally {
            invocation.out().flush();
            invocation.err().flush();
        }
    }

    /**
     * The subcommands to build for this command line: only the one it names, or all of them for
     * help, a mistyped name (picocli suggests the nearest) and no name at all. picocli reads every
     * option of every command it is given; for the one command run, that was a third of the CPU
     * time of a wal-fetch, which PostgreSQL starts once per WAL segment.
     */
    private static List<Class<?>> commandsFor(String... args) {
        String named = commandName(args);
        for (Class<?> command : COMMANDS) {
            Command annotation = command.getAnnotation(Command.class);
            if (annotation.name().equals(named) && command != CommandLine.HelpCommand.class) {
                return List.of(command);
            }
        }
        return COMMANDS;
    }

    /** The first argument that is not an option (nor --config's value): the subcommand's name, if any. */
    private static String commandName(String... args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                i++;
            } else if (!args[i].startsWith("-")) {
                return args[i];
            }
        }
        return null;
    }

    /*
     * Each command gets flags for the settings it reads, and log-level. Secrets get hidden
     * flags everywhere: typing one is answered with where to put it instead, and picocli never
     * quotes the secret back as an unknown option.
     */
    private static void addSettingOptions(CommandLine commandLine) {
        CommandSpec spec = commandLine.getCommandSpec();
        if (commandLine.getCommand() instanceof PgbkCommand command) {
            Stream.concat(command.settings().stream(), Stream.of(Settings.LOG_LEVEL))
                    .filter(setting -> !setting.secret())
                    .distinct()
                    .forEach(setting -> spec.addOption(visibleOption(setting)));
        }
        Settings.ALL.stream().filter(Setting::secret).forEach(setting -> spec.addOption(
                OptionSpec.builder(setting.flag()).type(String.class).hidden(true).build()));
        commandLine.getSubcommands().values().stream().distinct().forEach(Main::addSettingOptions);
    }

    private static <T> OptionSpec visibleOption(Setting<T> setting) {
        String defaultText = setting.defaultValue().map(value -> " Default: " + setting.display(value) + ".").orElse("");
        return OptionSpec.builder(setting.flag())
                .type(String.class)
                .paramLabel(setting.type().label())
                .description(setting.help() + defaultText + " Env: " + setting.environmentVariable() + ".")
                .build();
    }

    /** Hands every failure of a command to the execution exception handler, that is to report(). */
    private int runReportingFailures(ParseResult parseResult) {
        try {
            return run(parseResult);
        } catch (ParameterException | ExecutionException e) {
            throw e;
        } catch (Exception e) {
            throw new ExecutionException(parseResult.commandSpec().commandLine(), String.valueOf(e.getMessage()), e);
        }
    }

    private int run(ParseResult parseResult) throws Exception {
        Integer helpStatus = CommandLine.executeHelpRequest(parseResult);
        if (helpStatus != null) {
            return helpStatus;
        }
        List<CommandLine> chain = parseResult.asCommandLineList();
        CommandLine leaf = chain.get(chain.size() - 1);
        if (verbose && quiet) {
            throw new ParameterException(leaf, "--verbose and --quiet cannot be used together");
        }
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        ConsoleLogging.apply(logging, verbose ? Level.DEBUG : quiet ? Level.ERROR : Level.INFO);
        preload.await();
        Configuration configuration = new ConfigurationReader(invocation.environment(), invocation.systemConfigFile())
                .read(Optional.ofNullable(configFile), settingFlags(parseResult));
        if (!(leaf.getCommand() instanceof PgbkCommand command)) {
            leaf.usage(invocation.err());
            return ExitStatus.USAGE.code();
        }
        if (!verbose && !quiet) {
            ConsoleLogging.apply(logging, Level.toLevel(configuration.require(Settings.LOG_LEVEL)));
        }
        log().debug("{} with {}", leaf.getCommandName(), configuration);
        return command.run(new CommandContext(configuration, invocation.out(), invocation.err(),
                invocation.environment(), invocation.clock())).code();
    }

    /** The settings given as flags anywhere on the command line, as text. */
    private static Map<Setting<?>, String> settingFlags(ParseResult parseResult) {
        Map<Setting<?>, String> flags = new LinkedHashMap<>();
        for (ParseResult level = parseResult; level != null; level = level.subcommand()) {
            for (Setting<?> setting : Settings.ALL) {
                if (level.hasMatchedOption(setting.flag())) {
                    flags.put(setting, level.matchedOptionValue(setting.flag(), ""));
                }
            }
        }
        return flags;
    }

    private int report(Exception e) {
        if (e instanceof PgbkException) {
            log().debug("the error below, with its stack trace", e);
            invocation.err().println("pgbk: " + oneLine(e.getMessage()));
            return ExitStatus.FAILURE.code();
        }
        log().debug("internal error", e);
        invocation.err().println("pgbk: internal error: " + e.getClass().getName() + ": " + oneLine(e.getMessage())
                + (verbose ? "" : " (run with --verbose for details)"));
        return ExitStatus.INTERNAL_ERROR.code();
    }

    private int reportUsageError(ParameterException e, String[] args) {
        CommandLine failed = e.getCommandLine();
        invocation.err().println("pgbk: " + oneLine(e.getMessage()));
        UnmatchedArgumentException.printSuggestions(e, invocation.err());
        invocation.err().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
        return ExitStatus.USAGE.code();
    }

    /** Not a constant: loading Main must not set up logging, which the preload runs beside (LibraryPreload). */
    private static Logger log() {
        return LoggerFactory.getLogger(Main.class);
    }

    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
