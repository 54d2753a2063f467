package io.pgbk.core.restore;

import io.pgbk.core.recovery.RecoveryOutcome;
import io.pgbk.core.recovery.RecoveryServer;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.postgres.PostgresBinaries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * PostgreSQL started by RecoveryServer on a restored directory, on a free port, queried over
 * TCP, and stopped (immediate) by close.
 */
final class RestoredServer implements AutoCloseable {

    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(2);

    private final Path pgdata;
    private final int port = FreePorts.next();
    private final PostgresBinaries binaries = PostgresBinaries.find();
    private final ServiceUser user = ServiceUser.forServers();
    private final RecoveryOutcome outcome;

    RestoredServer(Path pgdata, TargetAction action) {
        this.pgdata = pgdata;
        RecoveryServer server = new RecoveryServer(binaries.binDirectory(), pgdata,
                user.switched() ? Optional.of(user.name()) : Optional.empty(), Clock.systemUTC());
        try {
            outcome = server.start(action, Optional.of(port), "postgres", Optional.of(RECOVERY_TIMEOUT));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    RecoveryOutcome outcome() {
        return outcome;
    }

    String query(String sql) {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                properties); Statement statement = connection.createStatement()) {
            if (!statement.execute(sql)) {
                return "";
            }
            try (ResultSet result = statement.getResultSet()) {
                result.next();
                return result.getString(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed: " + e.getMessage(), e);
        }
    }

    long queryForLong(String sql) {
        return Long.parseLong(query(sql));
    }

    @Override
    public void close() {
        if (Files.exists(pgdata.resolve("postmaster.pid"))) {
            user.run("pg_ctl stop", List.of(binaries.tool("pg_ctl"), "stop", "-D", pgdata.toString(), "-m", "immediate"),
                    pgdata, new LogFile(pgdata.resolveSibling(pgdata.getFileName() + "-pg_ctl.log")),
                    Duration.ofMinutes(1));
        }
    }
}
