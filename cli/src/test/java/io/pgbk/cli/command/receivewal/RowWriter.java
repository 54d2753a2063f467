package io.pgbk.cli.command.receivewal;

import io.pgbk.testkit.Poll;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Supplier;

/**
 * A small write load: one row per transaction into acked(n), on whatever server is the primary
 * now, remembering each n whose COMMIT returned. Those are the transactions the cluster
 * acknowledged; a restore must hold them (or, for a hard failover in asynchronous mode, the
 * missing ones are the measured loss). Each row remembers the URL of the server that acknowledged
 * it, so a test can tell the rows of a killed primary from those of its successor.
 */
final class RowWriter implements AutoCloseable {

    static final String TABLE = "CREATE TABLE acked (n int PRIMARY KEY, pad text)";

    private final Supplier<Optional<String>> primaryJdbcUrl;
    private final NavigableSet<Integer> acknowledged = new ConcurrentSkipListSet<>();
    private final Map<Integer, String> acknowledgedBy = new ConcurrentHashMap<>();
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

    /** A copy of the rows acknowledged by the server at jdbcUrl (exactly as the url supplier gave it). */
    NavigableSet<Integer> acknowledgedBy(String jdbcUrl) {
        NavigableSet<Integer> rows = new TreeSet<>();
        acknowledgedBy.forEach((n, url) -> {
            if (url.equals(jdbcUrl)) {
                rows.add(n);
            }
        });
        return rows;
    }

    /** The latest failure, for a test's diagnostics. */
    String lastError() {
        return lastError;
    }

    int count() {
        return acknowledged.size();
    }

    /** Polls until count rows are acknowledged in all. */
    void awaitRows(Poll poll, int count) {
        poll.until(count + " acknowledged rows", () -> count() >= count,
                () -> "rows: " + count() + ", last error: " + lastError);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(30_000);
    }

    private void write() {
        Connection connection = null;
        String url = "";
        while (!stopped) {
            try {
                if (connection == null) {
                    Optional<String> primary = primaryJdbcUrl.get();
                    connection = primary.isEmpty() ? null : connectToPrimary(primary.get()).orElse(null);
                    if (connection == null) {
                        pause(100);
                        continue;
                    }
                    url = primary.get();
                }
                int n = next++;
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO acked (n, pad) VALUES (?, repeat('x', 300))")) {
                    insert.setInt(1, n);
                    insert.executeUpdate();
                }
                acknowledgedBy.put(n, url);
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

    private static Optional<Connection> connectToPrimary(String url) throws SQLException {
        Connection connection = DriverManager.getConnection(url);
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
