/*
 * pgbk's SLF4J provider: logback's LoggerContext, configured by ConsoleLogging directly. Main.main
 * names it in the system property slf4j.provider, so that SLF4J neither scans the class path for
 * providers nor runs logback's own initialisation (configurators found through ServiceLoader and
 * ranked by their annotations, a check of logback's versions, a status printer). Together with
 * PatternLayout (ConsoleLayout) that was 70 ms of a JVM's start without a class-data archive
 * against 20 ms now, and 15 to 20 ms of a command's start with the launcher's archive
 * (docs/benchmarks.md).
 */
package io.pgbk.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

public final class LoggingProvider implements SLF4JServiceProvider {

    /** The SLF4J API version this provider is built for. */
    private static final String API_VERSION = "2.0.99";

    private LoggerContext context;
    private IMarkerFactory markers;
    private MDCAdapter mdc;

    /** Makes SLF4J use this provider, quietly; to be called before anything logs. */
    public static void install() {
        System.setProperty("slf4j.provider", LoggingProvider.class.getName());
        // SLF4J announces a provider named this way at its INFO level, on stderr
        System.setProperty("slf4j.internal.verbosity", "WARN");
    }

    @Override
    public void initialize() {
        LogbackMDCAdapter logbackMdc = new LogbackMDCAdapter();
        context = new LoggerContext();
        context.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
        context.setMDCAdapter(logbackMdc);
        ConsoleLogging.apply(context, Level.INFO);
        context.start();
        markers = new BasicMarkerFactory();
        mdc = logbackMdc;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return context;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return API_VERSION;
    }
}
