package io.pgbk.cli.command.receivewal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Supplier;

/**
 * A small write load: one row per transaction into acked(n), on whatever server is the primary
 * now, remembering each n whose COMMIT returned. Those are the transactions the cluster
 * acknowledged; a restore must hold them (or, for a hard failover in asynchronous mode, the
 * missing ones are the measured loss).
 */
final class RowWriter implements AutoCloseable {

    static final String TABLE = "CREATE TABLE acked (n int PRIMARY KEY, pad text)";

    private final Supplier<Optional<String>> primaryJdbcUrl;
    private final NavigableSet<Integer> acknowledged = new ConcurrentSkipListSet<>();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile String lastError = "";
    private int next = 1;

    private RowWriter(Supplier<Optional<String>> primaryJdbcUrl) {
        this.primaryJdbcUrl = primaryJdbcUrl;
        this.thread = new Thread(this::write, "row-writer");
    }

    static RowWriter start(Supplier<Optional<String>> primaryJdbcUrl) {
        RowWriter writer = new RowWriter(primaryJdbcUrl);
        writer.thread.start();
        return writer;
    }

    /** A copy of the acknowledged rows so far. */
    NavigableSet<Integer> acknowledged() {
        return new TreeSet<>(acknowledged);
    }

    /** The latest failure, for a test's diagnostics. */
    String lastError() {
        return lastError;
    }

    int count() {
        return acknowledged.size();
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(30_000);
    }

    private void write() {
        Connection connection = null;
        while (!stopped) {
            try {
                if (connection == null) {
                    connection = connectToPrimary().orElse(null);
                    if (connection == null) {
                        pause(100);
                        continue;
                    }
                }
                int n = next++;
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO acked (n, pad) VALUES (?, repeat('x', 300))")) {
                    insert.setInt(1, n);
                    insert.executeUpdate();
                }
                acknowledged.add(n);
                pause(3);
            } catch (SQLException e) {
                lastError = e.getMessage();
                closeQuietly(connection);
                connection = null;
                pause(100);
            }
        }
        closeQuietly(connection);
    }

    private Optional<Connection> connectToPrimary() throws SQLException {
        Optional<String> url = primaryJdbcUrl.get();
        if (url.isEmpty()) {
            return Optional.empty();
        }
        Connection connection = DriverManager.getConnection(url.get());
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pg_is_in_recovery()")) {
            rows.next();
            if (rows.getBoolean(1)) {
                connection.close();
                return Optional.empty();
            }
        }
        return Optional.of(connection);
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the server is gone; nothing to release
            }
        }
    }

    /** Pacing of the load, not synchronisation. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
