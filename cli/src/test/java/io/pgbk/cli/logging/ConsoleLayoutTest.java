package io.pgbk.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ConsoleLayoutTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("io.pgbk.core.walsummary.WalSummaryScan");

    @Test
    void theShortLineNamesTheLevelUnlessItIsInfoAndLeavesOutStackTraces() {
        ConsoleLayout layout = new ConsoleLayout(false);

        assertThat(layout.doLayout(event(Level.INFO, "archived {}", null, "segment 1")))
                .isEqualTo("pgbk: archived segment 1" + System.lineSeparator());
        assertThat(layout.doLayout(event(Level.WARN, "slow", new IOException("disk"))))
                .isEqualTo("pgbk: WARN: slow" + System.lineSeparator());
        assertThat(layout.doLayout(event(Level.ERROR, "failed", null))).startsWith("pgbk: ERROR: failed");
    }

    @Test
    void theDetailedLineHasTimeLevelThreadAbbreviatedLoggerAndTheStackTrace() {
        ConsoleLayout layout = new ConsoleLayout(true);

        String line = layout.doLayout(event(Level.DEBUG, "read {} segments", null, 3));
        String failure = layout.doLayout(event(Level.INFO, "cannot read", new IOException("disk gone")));

        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} DEBUG \\[" + Thread.currentThread().getName()
                + "] i\\.p\\.core\\.walsummary\\.WalSummaryScan: read 3 segments\\R");
        assertThat(failure).matches("(?s)\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.*] i\\.p\\.core\\.walsummary\\."
                + "WalSummaryScan: cannot read\\R" + "java\\.io\\.IOException: disk gone\\R\\s+at io\\.pgbk\\.cli\\.logging\\."
                + "ConsoleLayoutTest\\..*");
    }

    private LoggingEvent event(Level level, String message, Throwable thrown, Object... arguments) {
        return new LoggingEvent(Logger.class.getName(), logger, level, message, thrown, arguments);
    }
}
