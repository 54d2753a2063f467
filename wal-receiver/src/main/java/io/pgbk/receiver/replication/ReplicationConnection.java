/*
 * A physical replication connection (replication=true) to one PostgreSQL server, through pgjdbc
 * in simple query mode: the replication commands IDENTIFY_SYSTEM, TIMELINE_HISTORY,
 * READ_REPLICATION_SLOT, CREATE/DROP_REPLICATION_SLOT and SHOW run as plain statements, and
 * START_REPLICATION as a COPY BOTH operation (see ReplicationStream).
 *
 * pgjdbc's fluent replication API is not used: it cannot name a timeline and hangs at the end
 * of one. The connection stays usable for further commands once a stream has ended.
 */
package io.pgbk.receiver.replication;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.receiver.conninfo.ConnInfo;
import org.postgresql.Driver;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ReplicationConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationConnection.class);
    private static final String DUPLICATE_OBJECT = "42710";
    private static final String UNDEFINED_OBJECT = "42704";
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|kB|MB|GB)?");
    /** libpq keywords and the pgjdbc properties that mean the same. */
    private static final Map<String, String> DRIVER_PROPERTIES = Map.of(
            "sslmode", "sslmode", "sslrootcert", "sslrootcert", "sslcert", "sslcert", "sslkey", "sslkey",
            "connect_timeout", "connectTimeout");

    private final BaseConnection connection;
    private final ConnInfo target;
    private final Duration readTimeout;

    private ReplicationConnection(BaseConnection connection, ConnInfo target, Duration readTimeout) {
        this.connection = connection;
        this.target = target;
        this.readTimeout = readTimeout;
    }

    /**
     * Connects for physical replication. applicationName is what pg_stat_replication shows and
     * what synchronous_standby_names must list for synchronous mode. readTimeout bounds a stalled
     * read of a message the server has begun to send.
     */
    public static ReplicationConnection open(ConnInfo target, Optional<String> password, String applicationName,
                                             Duration readTimeout) {
        Properties properties = new Properties();
        properties.setProperty("user", target.user());
        password.ifPresent(p -> properties.setProperty("password", p));
        properties.setProperty("replication", "true");
        properties.setProperty("assumeMinServerVersion", "9.4");
        properties.setProperty("preferQueryMode", "simple");
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("ApplicationName", target.option("application_name").orElse(applicationName));
        DRIVER_PROPERTIES.forEach((keyword, property) ->
                target.option(keyword).ifPresent(value -> properties.setProperty(property, value)));
        String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
        String url = "jdbc:postgresql://" + host + ":" + target.port() + "/"
                + URLEncoder.encode(target.dbname(), StandardCharsets.UTF_8);
        try {
            Connection connection = new Driver().connect(url, properties);
            LOG.debug("replication connection open to {}", target);
            return new ReplicationConnection(connection.unwrap(BaseConnection.class), target, readTimeout);
        } catch (SQLException e) {
            throw ReplicationFailure.of("cannot connect for replication to " + target, e);
        }
    }

    public ConnInfo target() {
        return target;
    }

    public SystemIdentity identifySystem() {
        return query("IDENTIFY_SYSTEM", rows -> {
            requireRow(rows, "IDENTIFY_SYSTEM");
            return new SystemIdentity(SystemIdentifier.parse(rows.getString("systemid")),
                    new TimelineId(rows.getLong("timeline")), Lsn.parse(rows.getString("xlogpos")));
        });
    }

    /** The server's WAL segment size (SHOW wal_segment_size, e.g. "16MB"). */
    public WalSegmentSize walSegmentSize() {
        String shown = show("wal_segment_size");
        Matcher matcher = SIZE.matcher(shown.strip());
        if (!matcher.matches()) {
            throw new ReplicationFailure(target + " reported a wal_segment_size of '" + shown + "', which pgbk cannot read");
        }
        long number = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "B" : matcher.group(2);
        long multiplier = switch (unit) {
            case "kB" -> 1024L;
            case "MB" -> 1024L * 1024;
            case "GB" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return WalSegmentSize.ofBytes(number * multiplier);
    }

    /** The server's major version: 15 for server_version_num 150004. */
    public int majorVersion() {
        return Integer.parseInt(show("server_version_num").strip()) / 10_000;
    }

    /** XLOG_BLCKSZ, the size of a WAL page (SHOW wal_block_size). */
    public int walBlockSize() {
        return Integer.parseInt(show("wal_block_size").strip());
    }

    /**
     * Whether the server is a standby (in recovery). A walsender accepts only replication
     * commands and SHOW, so pg_is_in_recovery() is out of reach; in_hot_standby (PostgreSQL 14+)
     * says the same, and before 14 transaction_read_only, which a walsender evaluates in a fresh
     * transaction and which recovery forces on.
     */
    public boolean inRecovery() {
        String variable = majorVersion() >= 14 ? "in_hot_standby" : "transaction_read_only";
        return show(variable).strip().equals("on");
    }

    /** The history file of a timeline after the first (which has none). */
    public TimelineHistoryFile timelineHistory(TimelineId timeline) {
        return query("TIMELINE_HISTORY " + timeline.value(), rows -> {
            requireRow(rows, "TIMELINE_HISTORY");
            return new TimelineHistoryFile(rows.getString("filename"),
                    rows.getString("content").getBytes(StandardCharsets.UTF_8));
        });
    }

    /** The slot's state, or empty when the server has no slot of that name. */
    public Optional<SlotState> readReplicationSlot(SlotName slot) {
        return query("READ_REPLICATION_SLOT " + slot, rows -> {
            requireRow(rows, "READ_REPLICATION_SLOT");
            String type = rows.getString("slot_type");
            if (type == null) {
                return Optional.empty();
            }
            if (!type.equals("physical")) {
                throw new ReplicationFailure("replication slot " + slot + " on " + target
                        + " is a " + type + " slot; the WAL receiver needs a physical one");
            }
            String restart = rows.getString("restart_lsn");
            long restartTimeline = rows.getLong("restart_tli");
            return Optional.of(new SlotState(slot, restart == null ? Lsn.INVALID : Lsn.parse(restart),
                    rows.wasNull() || restartTimeline == 0 ? Optional.empty() : Optional.of(new TimelineId(restartTimeline))));
        });
    }

    /**
     * Creates a physical slot that reserves WAL from now on; false when one of that name exists.
     * RESERVE_WAL matters: without it the slot holds nothing until the first stream starts.
     */
    public boolean createPhysicalSlot(SlotName slot) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE_REPLICATION_SLOT " + slot + " PHYSICAL RESERVE_WAL");
            LOG.info("created replication slot {} on {}", slot, target);
            return true;
        } catch (SQLException e) {
            if (DUPLICATE_OBJECT.equals(e.getSQLState())) {
                return false;
            }
            throw ReplicationFailure.of("cannot create replication slot " + slot + " on " + target, e);
        }
    }

    /** Drops the slot; false when there was none of that name. */
    public boolean dropSlot(SlotName slot) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP_REPLICATION_SLOT " + slot);
            LOG.info("dropped replication slot {} on {}", slot, target);
            return true;
        } catch (SQLException e) {
            if (UNDEFINED_OBJECT.equals(e.getSQLState())) {
                return false;
            }
            throw ReplicationFailure.of("cannot drop replication slot " + slot + " on " + target, e);
        }
    }

    /** Starts streaming WAL of timeline from start (through slot when given). */
    public ReplicationStream startStreaming(Optional<SlotName> slot, Lsn start, TimelineId timeline) {
        String command = "START_REPLICATION" + slot.map(s -> " SLOT " + s).orElse("")
                + " PHYSICAL " + start + " TIMELINE " + timeline.value();
        String description = "streaming from " + target + " (" + command + ")";
        try {
            IncomingMessages incoming = IncomingMessages.of(connection, readTimeout);
            return new ReplicationStream(new CopyManager(connection).copyDual(command), incoming, description);
        } catch (SQLException e) {
            throw ReplicationFailure.of("cannot start " + description, e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("closing the replication connection to {} failed", target, e);
        }
    }

    private interface RowReader<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private <T> T query(String command, RowReader<T> reader) {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(command)) {
            return reader.read(rows);
        } catch (SQLException e) {
            throw ReplicationFailure.of(command + " on " + target + " failed", e);
        }
    }

    private String show(String variable) {
        return query("SHOW " + variable, rows -> {
            requireRow(rows, "SHOW " + variable);
            return rows.getString(1);
        });
    }

    private void requireRow(ResultSet rows, String command) throws SQLException {
        if (!rows.next()) {
            throw new ReplicationFailure(command + " on " + target + " returned no row");
        }
    }
}
