package io.pgbk.testkit.postgres;

import io.pgbk.testkit.net.FreePorts;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.StopAtExit;
import io.pgbk.testkit.os.TempDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server for one test, on loopback, in its own temporary directory: the data
 * directory, the Unix socket, the server log and the logs of the tools run on it. Made by
 * {@code initdb} (data checksums on unless the options say otherwise, small WAL segments), by
 * {@code pg_basebackup} from another cluster (a standby), or started on a data directory that a
 * test or pgbk's restore prepared.
 *
 * <p>Clients connect over TCP to 127.0.0.1 as the superuser {@code postgres} without a password
 * (trust), for normal and replication connections alike; {@link #requirePassword} makes one role
 * the exception, for tests of wrong credentials. Failures carry the tail of the server log, so a
 * failing test shows why the server misbehaved.
 *
 * <p>Closing stops the server and deletes the directory. A cluster that is never closed is stopped
 * at JVM exit ({@link StopAtExit}), and its postmaster is stopped even if the JVM is killed. One
 * test thread drives a cluster; the exit hook is the only other thread that touches it.
 */
public final class PostgresCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresCluster.class);
    private static final String HOST = "127.0.0.1";
    private static final String SUPERUSER = "postgres";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");
    private static final int PORT_ATTEMPTS = 5;
    private static final int LOG_TAIL_LINES = 40;

    private final String name;
    private final PostgresOptions options;
    private final PostgresBinaries binaries;
    private final ServiceUser user;
    private final TempDirectory home;
    private final Path dataDirectory;
    private final boolean ownsDataDirectory;
    private final LogFile serverLog;
    private final Postmaster postmaster;
    private final List<String> passwordRoles;
    private final StopAtExit.Registration atExit;
    private volatile int port;

    private PostgresCluster(String name, PostgresOptions options, Path externalDataDirectory, List<String> passwordRoles) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster name must be 1-40 letters, digits, '_' or '-', not '" + name + "'");
        }
        this.name = name;
        this.options = options;
        this.binaries = PostgresBinaries.find();
        this.user = ServiceUser.forServers();
        this.home = user.createDirectory("pg-" + name);
        this.ownsDataDirectory = externalDataDirectory == null;
        this.dataDirectory = ownsDataDirectory ? home.path().resolve("data") : externalDataDirectory.toAbsolutePath();
        this.serverLog = new LogFile(home.path().resolve("postgres.log"));
        this.postmaster = new Postmaster(name, user, binaries, dataDirectory, home.path(), serverLog, toolLog("pg_ctl"));
        this.passwordRoles = new CopyOnWriteArrayList<>(passwordRoles);
        this.port = FreePorts.next();
        this.atExit = StopAtExit.register("PostgreSQL " + name + " in " + home.path(), this::stopAtExit);
    }

    /** A new cluster made by {@code initdb}, configured but not started. */
    public static PostgresCluster initdb(String name, PostgresOptions options) {
        PostgresCluster cluster = new PostgresCluster(name, options, null, List.of());
        try {
            List<String> command = new ArrayList<>(List.of(cluster.binaries.tool("initdb"), "-D",
                    cluster.dataDirectory.toString(), "-U", SUPERUSER, "--auth=trust",
                    "--wal-segsize=" + options.walSegmentSizeMb(), "--locale=C", "--encoding=UTF8",
                    "--no-sync", "--no-instructions"));
            if (options.dataChecksums()) {
                command.add("--data-checksums");
            }
            cluster.run("initdb", command);
            cluster.configure();
            return cluster;
        } catch (RuntimeException e) {
            cluster.closeAfterFailure(e);
            throw e;
        }
    }

    /** A new cluster made by {@code initdb} and started: a primary. */
    public static PostgresCluster startPrimary(String name, PostgresOptions options) {
        PostgresCluster cluster = initdb(name, options);
        try {
            cluster.start();
            return cluster;
        } catch (RuntimeException e) {
            cluster.closeAfterFailure(e);
            throw e;
        }
    }

    /**
     * Starts a server on a data directory that something else prepared (pgbk's restore, or a
     * test): gives it to the server's OS user, mode 0700, points its port and socket at this kit,
     * and starts postgres without waiting for connections, since recovery may take a while, pause
     * or shut the server down. Follow with {@link #waitUntilPromoted()},
     * {@link #waitUntilRecoveryPaused()}, {@link #waitUntilStopped()} or
     * {@link #waitUntilAcceptingConnections()}. Closing deletes the kit's directory, not
     * {@code dataDirectory}; it stops the server fast, so the directory stays consistent.
     */
    public static PostgresCluster restoredFrom(Path dataDirectory, PostgresOptions options) {
        ServiceUser.forServers().requireTraversable(dataDirectory);
        PostgresCluster cluster = new PostgresCluster("restored", options, dataDirectory, List.of());
        try {
            cluster.user.takeOwnership(dataDirectory);
            Files.setPosixFilePermissions(dataDirectory, PosixFilePermissions.fromString("rwx------"));
            cluster.configure();
            cluster.launch();
            return cluster;
        } catch (IOException e) {
            cluster.closeAfterFailure(e);
            throw new UncheckedIOException("cannot prepare " + dataDirectory, e);
        } catch (RuntimeException e) {
            cluster.closeAfterFailure(e);
            throw e;
        }
    }

    /**
     * A started standby of this cluster, copied with {@code pg_basebackup} (fast checkpoint, WAL
     * streamed during the copy). It streams from this cluster, or, archive-only, replays what its
     * {@code restore_command} fetches. It is a cluster of its own: close it too.
     */
    public PostgresCluster createStandby(String standbyName, StandbyOptions standby) {
        PostgresCluster replica = new PostgresCluster(standbyName, standby.server(), null, passwordRoles);
        try {
            List<String> command = new ArrayList<>(List.of(binaries.tool("pg_basebackup"),
                    "-d", "host=" + HOST + " port=" + port + " user=" + SUPERUSER,
                    "-D", replica.dataDirectory.toString(), "-X", "stream", "-c", "fast", "--no-sync"));
            if (standby.streams()) {
                command.add("-R");
            }
            standby.slot().ifPresent(slot -> command.addAll(List.of("-C", "-S", slot)));
            replica.run("pg_basebackup", command);
            if (!standby.streams()) {
                replica.configFile("standby.signal").replace("");
            }
            replica.configure();
            replica.start();
            return replica;
        } catch (RuntimeException e) {
            replica.closeAfterFailure(e);
            throw e;
        }
    }

    /** Starts the server and waits until it accepts connections. */
    public void start() {
        launch();
        waitUntilAcceptingConnections();
    }

    /** Fast shutdown: clients are disconnected, a checkpoint is written. */
    public void stop() {
        postmaster.stop(Postmaster.Shutdown.FAST, options.timeout());
        LOG.info("stopped PostgreSQL {}", name);
    }

    /** Immediate shutdown, as after a power cut of the server process: the next start runs crash recovery. */
    public void crash() {
        postmaster.stop(Postmaster.Shutdown.IMMEDIATE, options.timeout());
        LOG.info("crashed PostgreSQL {}", name);
    }

    public void restart() {
        stop();
        start();
    }

    /** Promotes a standby and waits until it accepts writes. */
    public void promote() {
        execute("SELECT pg_promote(true, " + options.timeout().toSeconds() + ")");
        waitUntilPromoted();
    }

    public boolean isRunning() {
        return postmaster.isRunning();
    }

    /** The postmaster's PID while the server runs. */
    public OptionalLong postmasterPid() {
        return postmaster.pid();
    }

    public void waitUntilAcceptingConnections() {
        awaitTrue("PostgreSQL " + name + " to accept connections", "SELECT true");
    }

    /** Waits until recovery has ended and the server accepts writes. */
    public void waitUntilPromoted() {
        awaitTrue(name + " to leave recovery", "SELECT NOT pg_is_in_recovery()");
    }

    /** Waits until recovery pauses at its target ({@code recovery_target_action = 'pause'}). */
    public void waitUntilRecoveryPaused() {
        awaitTrue(name + " to pause recovery", "SELECT pg_get_wal_replay_pause_state() = 'paused'");
    }

    /** Waits until the server exits by itself ({@code recovery_target_action = 'shutdown'}). */
    public void waitUntilStopped() {
        postmaster.awaitExit(deadline());
    }

    /** Waits until this standby has replayed WAL up to {@code lsn} (e.g. {@code "0/3000060"}). */
    public void waitForReplay(String lsn) {
        awaitTrue(name + " to replay up to " + lsn,
                "SELECT pg_last_wal_replay_lsn() >= '" + lsn.replace("'", "") + "'::pg_lsn");
    }

    /** Waits until this standby has replayed everything {@code primary} has written so far. */
    public void waitForCatchUp(PostgresCluster primary) {
        waitForReplay(primary.currentWalLsn());
    }

    /** Ends the current WAL segment and waits until archive_command has archived it; returns its name. */
    public String switchWalAndAwaitArchived() {
        String segment = queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        awaitTrue(name + " to archive " + segment,
                "SELECT coalesce(last_archived_wal, '') >= '" + segment + "' FROM pg_stat_archiver");
        return segment;
    }

    /** {@code pg_current_wal_lsn()} of this primary. */
    public String currentWalLsn() {
        return queryForString("SELECT pg_current_wal_lsn()");
    }

    /**
     * Appends settings to {@code postgresql.conf} (plain values; the kit quotes them) and, when the
     * server runs, reloads it. Settings that need a restart take effect at {@link #restart()}.
     */
    public void appendConf(Map<String, String> settings) {
        configFile("postgresql.conf").append("added by the test", settings);
        if (isRunning()) {
            execute("SELECT pg_reload_conf()");
        }
    }

    /**
     * Makes {@code role} (created if missing, with LOGIN and REPLICATION) log in over TCP with
     * {@code password} only, scram-sha-256, for normal and replication connections; everyone else
     * keeps trust. Not for {@code postgres}, which the kit itself connects as.
     */
    public void requirePassword(String role, String password) {
        if (SUPERUSER.equals(role)) {
            throw new IllegalArgumentException("the kit connects as " + SUPERUSER + " without a password; use another role");
        }
        String identifier = "\"" + role.replace("\"", "\"\"") + "\"";
        try (Connection connection = connect()) {
            try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                exists.setString(1, role);
                try (ResultSet found = exists.executeQuery()) {
                    if (!found.next()) {
                        try (Statement create = connection.createStatement()) {
                            create.execute("CREATE ROLE " + identifier);
                        }
                    }
                }
            }
            try (Statement alter = connection.createStatement()) {
                alter.execute("ALTER ROLE " + identifier + " LOGIN REPLICATION PASSWORD '" + password.replace("'", "''") + "'");
            }
        } catch (SQLException e) {
            // the statement holds the password: only the server's own message goes out
            throw new IllegalStateException(name + ": cannot set the password of role " + role + ": " + e.getMessage(), e);
        }
        passwordRoles.add(role);
        writeClientAuthentication();
        execute("SELECT pg_reload_conf()");
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    public int port() {
        return port;
    }

    public String host() {
        return HOST;
    }

    public String name() {
        return name;
    }

    public PostgresBinaries binaries() {
        return binaries;
    }

    /** The OS user the server runs as; run other PostgreSQL programs on this data directory through it. */
    public ServiceUser serviceUser() {
        return user;
    }

    /** The cluster's own temporary directory (socket, logs; the data directory unless restored from elsewhere). */
    public Path homeDirectory() {
        return home.path();
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>?user=postgres} */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database + "?user=" + SUPERUSER;
    }

    /** libpq style: {@code host=127.0.0.1 port=<port> user=postgres dbname=postgres}. */
    public String conninfo() {
        return "host=" + HOST + " port=" + port + " user=" + SUPERUSER + " dbname=postgres";
    }

    /** A new connection to the database {@code postgres} as the superuser. */
    public Connection connect() throws SQLException {
        return connect("postgres");
    }

    public Connection connect(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("ApplicationName", "pgbk-testkit");
        return DriverManager.getConnection(jdbcUrl(database), properties);
    }

    /** Runs SQL (one or several statements) in its own connection, autocommit. */
    public void execute(String sql) {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** The first column of the first row, as text; null for SQL NULL. */
    public String queryForString(String sql) {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            if (!result.next()) {
                throw new IllegalStateException(name + ": no row from " + sql);
            }
            return result.getString(1);
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** The first column of the first row, as a number. */
    public long queryForLong(String sql) {
        String value = queryForString(sql);
        if (value == null) {
            throw new IllegalStateException(name + ": NULL from " + sql);
        }
        return Long.parseLong(value);
    }

    /** The database system identifier, as {@code pg_controldata} shows it. */
    public long systemIdentifier() {
        return queryForLong("SELECT system_identifier FROM pg_control_system()");
    }

    /** The last {@code lines} lines of the server log, for failure messages. */
    public String logTail(int lines) {
        return serverLog.tail(lines);
    }

    /**
     * Stops the server (immediately when the data directory goes away with it; fast for a
     * restored directory, which the caller keeps) and deletes the kit's directory.
     */
    @Override
    public void close() {
        try {
            postmaster.stop(ownsDataDirectory ? Postmaster.Shutdown.IMMEDIATE : Postmaster.Shutdown.FAST, options.timeout());
        } catch (RuntimeException fastFailed) {
            LOG.warn("fast shutdown of {} failed, stopping it immediately: {}", name, fastFailed.getMessage());
            postmaster.stop(Postmaster.Shutdown.IMMEDIATE, options.timeout());
        }
        home.close();
        atExit.close();
    }

    @Override
    public String toString() {
        return "PostgreSQL " + name + " on port " + port;
    }

    /** Starts postgres; a port that another process took meanwhile is replaced by a new one. */
    private void launch() {
        for (int attempt = 1; !postmaster.start(deadline()); attempt++) {
            if (attempt == PORT_ATTEMPTS) {
                throw new IllegalStateException(name + ": no free port after " + PORT_ATTEMPTS + " attempts; server log:\n"
                        + logTail(LOG_TAIL_LINES));
            }
            LOG.info("port {} was taken, {} moves to another", port, name);
            port = FreePorts.next();
            configFile("postgresql.conf").append("the previous port was taken", Map.of("port", Integer.toString(port)));
        }
        LOG.info("started PostgreSQL {} on port {} in {}", name, port, dataDirectory);
    }

    /** Points the server at this kit's port, socket directory and client authentication, then the test's settings. */
    private void configure() {
        writeClientAuthentication();
        Map<String, String> identity = new LinkedHashMap<>();
        identity.put("listen_addresses", HOST);
        identity.put("port", Integer.toString(port));
        identity.put("unix_socket_directories", home.path().toString());
        identity.put("cluster_name", name);
        ConfigFile conf = configFile("postgresql.conf");
        conf.append("pgbk test kit: where this server listens", identity);
        if (!options.settings().isEmpty()) {
            conf.append("pgbk test kit: settings of the test", options.settings());
        }
    }

    private void writeClientAuthentication() {
        StringBuilder rules = new StringBuilder("# written by the pgbk test kit: password roles first, trust for the rest\n");
        for (String role : passwordRoles) {
            String quoted = "\"" + role.replace("\"", "\"\"") + "\"";
            rules.append("host all ").append(quoted).append(" 127.0.0.1/32 scram-sha-256\n");
            rules.append("host replication ").append(quoted).append(" 127.0.0.1/32 scram-sha-256\n");
        }
        rules.append("local all all trust\n")
                .append("local replication all trust\n")
                .append("host all all 127.0.0.1/32 trust\n")
                .append("host replication all 127.0.0.1/32 trust\n");
        configFile("pg_hba.conf").replace(rules.toString());
    }

    /** Polls a boolean query until it is true; fails early, with the server log, if the server dies. */
    private void awaitTrue(String what, String booleanSql) {
        AtomicReference<String> lastError = new AtomicReference<>("none");
        deadline().await(what, () -> {
            if (!postmaster.isRunning()) {
                throw new IllegalStateException(name + " is not running while waiting for " + what + "; server log:\n"
                        + logTail(LOG_TAIL_LINES));
            }
            if (!postmaster.acceptsConnections()) {
                return false;
            }
            try (Connection connection = connect(); Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery(booleanSql)) {
                return result.next() && result.getBoolean(1);
            } catch (SQLException notYet) {
                lastError.set(notYet.getMessage());
                return false;
            }
        }, () -> "last error: " + lastError.get() + "\nserver log of " + name + ":\n" + logTail(LOG_TAIL_LINES));
    }

    private void run(String tool, List<String> command) {
        user.run(tool + " (" + name + ")", command, home.path(), toolLog(tool), options.timeout());
    }

    private LogFile toolLog(String tool) {
        return new LogFile(home.path().resolve(tool + ".log"));
    }

    private ConfigFile configFile(String fileName) {
        return new ConfigFile(dataDirectory.resolve(fileName), user);
    }

    private Deadline deadline() {
        return Deadline.after(options.timeout(), options.clock());
    }

    private IllegalStateException failed(String sql, SQLException e) {
        return new IllegalStateException(name + ": " + e.getMessage() + " (SQL: " + sql + ")", e);
    }

    private void closeAfterFailure(Exception cause) {
        try {
            close();
        } catch (RuntimeException cleanup) {
            cause.addSuppressed(cleanup);
        }
    }

    /** Runs on the exit hook thread: no waiting on the test thread, just an immediate stop and cleanup. */
    private void stopAtExit() {
        postmaster.stop(Postmaster.Shutdown.IMMEDIATE, options.timeout());
        home.close();
    }
}
