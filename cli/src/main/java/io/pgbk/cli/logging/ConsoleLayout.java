/*
 * The two line formats of pgbk's log (ConsoleLogging), written by hand: logback's PatternLayout
 * parses its pattern and registers some sixty converters when it starts: 30 ms against 6 ms for
 * this, in a JVM without a class-data archive, and PostgreSQL starts one per WAL segment.
 *
 *  - short: "pgbk: <message>", the level before the message when it is not INFO, no stack trace;
 *  - detailed: "HH:mm:ss.SSS LEVEL [thread] logger: message", the logger's package abbreviated as
 *    logback's %logger{36} does, and the stack trace of an exception after the line.
 */
package io.pgbk.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

final class ConsoleLayout extends LayoutBase<ILoggingEvent> {

    private static final String LINE_END = System.lineSeparator();
    private static final int LOGGER_LENGTH = 36;

    private final boolean detailed;
    private final TargetLengthBasedClassNameAbbreviator abbreviator;

    /** @param detailed the debug format: time, level, thread, logger and stack traces */
    ConsoleLayout(boolean detailed) {
        this.detailed = detailed;
        this.abbreviator = detailed ? new TargetLengthBasedClassNameAbbreviator(LOGGER_LENGTH) : null;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        if (!detailed) {
            line.append("pgbk: ");
            if (event.getLevel() != Level.INFO) {
                line.append(event.getLevel()).append(": ");
            }
            return line.append(event.getFormattedMessage()).append(LINE_END).toString();
        }
        LocalTime time = LocalTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), ZoneId.systemDefault());
        pad(line, time.getHour(), 2).append(':');
        pad(line, time.getMinute(), 2).append(':');
        pad(line, time.getSecond(), 2).append('.');
        pad(line, time.getNano() / 1_000_000, 3).append(' ');
        String level = event.getLevel().toString();
        line.append(level).append(" ".repeat(Math.max(0, 5 - level.length())));
        line.append(" [").append(event.getThreadName()).append("] ");
        line.append(abbreviator.abbreviate(event.getLoggerName())).append(": ");
        line.append(event.getFormattedMessage()).append(LINE_END);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown)).append(LINE_END);
        }
        return line.toString();
    }

    private static StringBuilder pad(StringBuilder line, int value, int digits) {
        String text = Integer.toString(value);
        return line.append("0".repeat(Math.max(0, digits - text.length()))).append(text);
    }
}
