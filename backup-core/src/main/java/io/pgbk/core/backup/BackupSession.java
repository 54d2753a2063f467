/*
 * The one JDBC session a local-mode backup holds on the node it copies: a non-exclusive backup
 * (pg_backup_start .. pg_backup_stop) belongs to its session and is aborted by PostgreSQL when
 * the session ends, so the session stays open from start to stop and a crash of pgbk leaves the
 * server clean.
 *
 * Server errors are turned into one line for the user. The case worth naming is a standby
 * promoted during the backup: pg_backup_stop then fails ("the standby was promoted during online
 * backup"), because the copy may mix files from before and after the promotion.
 */
package io.pgbk.core.backup;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

final class BackupSession implements AutoCloseable {

    private final DatabaseEndpoint endpoint;
    private final Connection connection;

    private BackupSession(DatabaseEndpoint endpoint, Connection connection) {
        this.endpoint = endpoint;
        this.connection = connection;
    }

    static BackupSession open(DatabaseEndpoint endpoint) {
        try {
            Connection connection = endpoint.connect();
            connection.setAutoCommit(true);
            return new BackupSession(endpoint, connection);
        } catch (SQLException e) {
            throw new PgbkException("cannot connect to PostgreSQL at " + endpoint.describe() + ": "
                    + firstLine(e), e);
        }
    }

    ServerState inspect() {
        return run("read the server's state", statement -> {
            try (ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery(), current_setting('server_version'),"
                    + " current_setting('server_version_num')::int, current_setting('data_checksums'),"
                    + " (SELECT system_identifier FROM pg_control_system())")) {
                row.next();
                return new ServerState(row.getBoolean(1), row.getString(2), row.getInt(3),
                        SystemIdentifier.parse(row.getString(5)), "on".equals(row.getString(4)));
            }
        });
    }

    /** pg_backup_start with an immediate checkpoint (or, on a standby, the next restartpoint). */
    Lsn start(String label) {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_backup_start(?, true)::text")) {
            statement.setString(1, label);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return Lsn.parse(row.getString(1));
            }
        } catch (SQLException e) {
            throw failure("start the backup", e);
        }
    }

    /**
     * The timeline of the checkpoint (on a standby, the restartpoint) whose redo point is
     * startLsn: the backup's start timeline. Empty when pg_control holds another checkpoint by now.
     */
    Optional<TimelineId> checkpointTimeline(Lsn startLsn) {
        return run("read the checkpoint's timeline", statement -> {
            try (ResultSet row = statement.executeQuery(
                    "SELECT timeline_id, redo_lsn::text FROM pg_control_checkpoint()")) {
                row.next();
                return Lsn.parse(row.getString(2)).equals(startLsn)
                        ? Optional.of(new TimelineId(row.getLong(1))) : Optional.empty();
            }
        });
    }

    BackupStop stop() {
        return run("stop the backup", statement -> {
            String lsn;
            String label;
            String map;
            try (ResultSet row = statement.executeQuery(
                    "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(wait_for_archive => false)")) {
                row.next();
                lsn = row.getString(1);
                label = row.getString(2);
                map = row.getString(3);
            }
            // a standby's stop point is its minimum recovery point, on that point's timeline
            try (ResultSet row = statement.executeQuery("SELECT CASE WHEN pg_is_in_recovery()"
                    + " THEN (SELECT min_recovery_end_timeline FROM pg_control_recovery())"
                    + " ELSE (SELECT timeline_id FROM pg_control_checkpoint()) END")) {
                row.next();
                return new BackupStop(Lsn.parse(lsn), new TimelineId(row.getLong(1)), label, map == null ? "" : map);
            }
        });
    }

    /** Bytes of all databases: what a stream-mode backup will read, about. */
    long databaseSize() {
        return run("read the databases' size", statement -> {
            try (ResultSet row = statement.executeQuery("SELECT sum(pg_database_size(oid))::bigint FROM pg_database")) {
                row.next();
                return row.getLong(1);
            }
        });
    }

    /** Tablespaces besides pg_default and pg_global. */
    long userTablespaces() {
        return run("list the tablespaces", statement -> {
            try (ResultSet row = statement.executeQuery(
                    "SELECT count(*) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global')")) {
                row.next();
                return row.getLong(1);
            }
        });
    }

    /**
     * Ends the current WAL segment, so that it is archived: on the primary only. Returns what
     * pg_switch_wal does: the end of the switch record, in the segment it finished, or the start of
     * the current segment when there was nothing to switch.
     */
    Lsn switchWal() {
        return run("switch WAL", statement -> {
            try (ResultSet row = statement.executeQuery("SELECT pg_switch_wal()")) {
                row.next();
                return Lsn.parse(row.getString(1));
            }
        });
    }

    /** On a standby that streams, how far it has received WAL and flushed it to disk; empty otherwise. */
    Optional<Lsn> receivedLsn() {
        return run("read how far the standby has received WAL", statement -> {
            try (ResultSet row = statement.executeQuery("SELECT pg_last_wal_receive_lsn()::text")) {
                row.next();
                return Optional.ofNullable(row.getString(1)).map(Lsn::parse);
            }
        });
    }

    /**
     * A non-transactional WAL message (prefix "pgbk"): one WAL record that changes no data, needs no
     * privilege and, unlike a commit, never waits for a synchronous standby.
     */
    void writeWalMessage(String message) {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT pg_logical_emit_message(false, 'pgbk', ?)")) {
            statement.setString(1, message);
            statement.executeQuery().close();
        } catch (SQLException e) {
            throw failure("write a WAL message", e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // the server ends a backup whose session is gone; nothing else depends on this close
        }
    }

    private <T> T run(String what, SqlWork<T> work) {
        try (Statement statement = connection.createStatement()) {
            return work.run(statement);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private PgbkException failure(String what, SQLException e) {
        String message = firstLine(e);
        if (message.contains("promoted during online backup")) {
            return new PgbkException("the standby " + endpoint.describe() + " was promoted during the backup: "
                    + "its files may mix both timelines, the backup is discarded; take a new one", e);
        }
        String state = e.getSQLState();
        if (state != null && state.startsWith("08")) {
            return new PgbkException("lost the connection to " + endpoint.describe() + " while trying to " + what
                    + " (server stopped or unreachable?): " + message, e);
        }
        return new PgbkException("cannot " + what + " on " + endpoint.describe() + ": " + message, e);
    }

    private static String firstLine(SQLException e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Statement statement) throws SQLException;
    }
}
