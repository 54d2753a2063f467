/*
 * pgbk's log goes to stderr, leaving stdout to command output that scripts read. PostgreSQL
 * copies the stderr of archive_command and restore_command into its own log, so the usual
 * line is short ("pgbk: ...", the level shown only when it is not INFO) and carries no stack
 * trace; at debug level lines get a time, thread and logger, and exceptions their trace.
 *
 * Configured in code, because parsing an XML file would cost every WAL segment start-up time:
 * by LoggingProvider, the SLF4J provider that Main.main names, and as logback's first
 * configurator (found through ServiceLoader) where pgbk runs inside another JVM's logging, as in
 * tests. Main then sets the level chosen by --verbose, --quiet or log-level. Libraries speak only
 * from WARN on, unless pgbk is asked for debug, when they do from INFO.
 */
package io.pgbk.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ConsoleLogging extends ContextAwareBase implements Configurator {

    private static final String PGBK_LOGGER = "io.pgbk";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        apply(context, Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Sets pgbk's own level; the level of libraries and the line format follow from it. */
    public static void apply(LoggerContext context, Level pgbkLevel) {
        boolean detailed = pgbkLevel.toInt() <= Level.DEBUG_INT;
        context.reset();

        ConsoleLayout layout = new ConsoleLayout(detailed);
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();

        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(stderr);
        root.setLevel(pgbkLevel.toInt() >= Level.ERROR_INT ? Level.ERROR : detailed ? Level.INFO : Level.WARN);
        context.getLogger(PGBK_LOGGER).setLevel(pgbkLevel);
    }
}
