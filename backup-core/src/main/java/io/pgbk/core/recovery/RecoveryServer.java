/*
 * Starting PostgreSQL on a restored data directory and waiting until recovery has done what was
 * asked: promoted (pg_is_in_recovery() false), paused (pg_get_wal_replay_pause_state()), or shut
 * down (the postmaster gone after "database system is shut down"). Recovery may take hours, so
 * there is no fixed timeout by default; the wait ends when the server dies.
 *
 * The server runs with pg_ctl as the data directory's OS user (runuser when pgbk runs as root),
 * its stderr in <pgdata>/log/pgbk-recovery.log with logging_collector off for this start, so
 * that pgbk reads what PostgreSQL says about the end of recovery: PostgreSQL 15 stops with
 * FATAL "recovery ended before configured recovery target was reached" when the archive ends
 * too early, and that becomes pgbk's error. The next start uses the data directory's own
 * configuration. Queries go over TCP to 127.0.0.1 on the server's port as the given role.
 */
package io.pgbk.core.recovery;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class RecoveryServer {

    private static final Logger log = LoggerFactory.getLogger(RecoveryServer.class);
    public static final String LOG_FILE = "log/pgbk-recovery.log";
    private static final String ENDED_EARLY = "recovery ended before configured recovery target was reached";
    /** How often the server's log is read: cheap, and what says first that recovery is done. */
    private static final Duration POLL = Duration.ofMillis(50);
    /** How often the server is asked when its log has not said it is done (a translated log never does). */
    private static final Duration QUERY_INTERVAL = Duration.ofSeconds(1);
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);

    private final Path binDirectory;
    private final Path dataDirectory;
    private final Optional<String> osUser;
    private final Clock clock;

    /**
     * @param osUser the OS user to run PostgreSQL as, through runuser (pgbk runs as root); empty: this process's user
     */
    public RecoveryServer(Path binDirectory, Path dataDirectory, Optional<String> osUser, Clock clock) {
        this.binDirectory = binDirectory;
        this.dataDirectory = dataDirectory.toAbsolutePath();
        this.osUser = osUser;
        this.clock = clock;
    }

    /** The directory of pg_ctl: the one given, else what pg_config --bindir prints. */
    public static Path binDirectory(Optional<Path> configured) {
        if (configured.isPresent()) {
            return configured.get();
        }
        try {
            Process process = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new PgbkException("pg_config --bindir failed: " + output + "; set pg-bin");
            }
            return Path.of(output);
        } catch (IOException e) {
            throw new PgbkException("cannot find PostgreSQL's programs: pg_config is not on the PATH; set pg-bin", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while running pg_config", e);
        }
    }

    /**
     * Starts the server and waits for the outcome of recovery.
     *
     * @param port    the port to run on; empty: the port its configuration names
     * @param role    the database role to query as
     * @param timeout how long to wait at most; empty: as long as the server runs
     */
    public RecoveryOutcome start(TargetAction action, Optional<Integer> port, String role, Optional<Duration> timeout) {
        int serverPort = port.orElseGet(this::configuredPort);
        Path logFile = dataDirectory.resolve(LOG_FILE);
        try {
            Files.createDirectories(logFile.getParent());
            if (osUser.isPresent()) {
                run(List.of("chown", osUser.get(), logFile.getParent().toString()));
            }
        } catch (IOException e) {
            throw new PgbkException("cannot create " + logFile.getParent() + ": " + e.getMessage(), e);
        }
        long logStart = size(logFile);
        run(List.of(binDirectory.resolve("pg_ctl").toString(), "start", "-W", "-D", dataDirectory.toString(),
                "-l", logFile.toString(), "-o", "-p " + serverPort + " -c logging_collector=off"));
        log.info("started PostgreSQL on {} (port {}), waiting for recovery", dataDirectory, serverPort);
        Instant deadline = timeout.map(limit -> clock.instant().plus(limit)).orElse(Instant.MAX);
        boolean seenRunning = false;
        Instant nextQuery = clock.instant();
        while (true) {
            String output = read(logFile, logStart);
            if (output.contains(ENDED_EARLY)) {
                throw new PgbkException("PostgreSQL on " + dataDirectory + ": FATAL: " + ENDED_EARLY
                        + " (the repository's WAL ends before the target)");
            }
            boolean running = Files.exists(dataDirectory.resolve("postmaster.pid"));
            seenRunning |= running;
            if (action == TargetAction.SHUTDOWN && output.contains("database system is shut down") && !running) {
                return new RecoveryOutcome("shut down", Optional.empty(), Optional.empty(), Optional.empty(),
                        stopMessages(output));
            }
            if (!running && (seenRunning || output.contains("FATAL") || output.contains("PANIC"))) {
                throw new PgbkException("PostgreSQL on " + dataDirectory + " stopped during recovery: "
                        + lastProblem(output) + " (see " + logFile + ")");
            }
            if (running && action != TargetAction.SHUTDOWN
                    && (saysDone(action, output) || !clock.instant().isBefore(nextQuery))) {
                log.debug("asking PostgreSQL on port {} whether recovery is done", serverPort);
                Optional<RecoveryOutcome> outcome = query(action, serverPort, role, output);
                if (outcome.isPresent()) {
                    log.debug("PostgreSQL on port {}: recovery {}", serverPort, outcome.get().describe());
                    return outcome.get();
                }
                nextQuery = clock.instant().plus(QUERY_INTERVAL);
            }
            if (clock.instant().isAfter(deadline)) {
                throw new PgbkException("recovery on " + dataDirectory + " did not finish within " + timeout.get()
                        + "; PostgreSQL keeps running");
            }
            pause();
        }
    }

    private Optional<RecoveryOutcome> query(TargetAction action, int port, String role, String output) {
        Properties properties = new Properties();
        properties.setProperty("user", role);
        properties.setProperty("connectTimeout", "5");
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (Connection connection = DriverManager.getConnection(url, properties);
                Statement statement = connection.createStatement()) {
            boolean inRecovery;
            try (ResultSet result = statement.executeQuery("SELECT pg_is_in_recovery()")) {
                result.next();
                inRecovery = result.getBoolean(1);
            }
            String state;
            String timelineQuery;
            if (action == TargetAction.PAUSE && inRecovery) {
                try (ResultSet result = statement.executeQuery("SELECT pg_get_wal_replay_pause_state()")) {
                    result.next();
                    if (!result.getString(1).equals("paused")) {
                        return Optional.empty();
                    }
                }
                state = "paused";
                timelineQuery = "(SELECT timeline_id::text FROM pg_control_checkpoint())";
            } else if (action == TargetAction.PROMOTE && !inRecovery) {
                state = "promoted";
                timelineQuery = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int::text";
            } else {
                return Optional.empty();
            }
            try (ResultSet result = statement.executeQuery("SELECT pg_last_wal_replay_lsn()::text, "
                    + "pg_last_xact_replay_timestamp()::text, " + timelineQuery)) {
                result.next();
                return Optional.of(new RecoveryOutcome(state, Optional.ofNullable(result.getString(1)),
                        Optional.ofNullable(result.getString(2)), Optional.ofNullable(result.getString(3)),
                        stopMessages(output)));
            }
        } catch (SQLException e) {
            log.debug("PostgreSQL on port {} does not answer yet: {}", port, e.getMessage());
            return Optional.empty();
        }
    }

    /*
     * Whether the server's log says the target action is done, so that it is asked at once rather
     * than at the next QUERY_INTERVAL: a connection every poll cost recovery CPU time and made
     * --start return up to 200 ms late. The messages are PostgreSQL's English ones; with another
     * lc_messages the query interval alone decides.
     */
    private static boolean saysDone(TargetAction action, String output) {
        return switch (action) {
            case PROMOTE -> output.contains("database system is ready to accept connections");
            case PAUSE -> output.contains("pausing at the end of recovery");
            case SHUTDOWN -> false;
        };
    }

    /** The port the data directory's configuration names, as postgres itself computes it. */
    private int configuredPort() {
        String output = run(List.of(binDirectory.resolve("postgres").toString(), "-D", dataDirectory.toString(),
                "-C", "port")).strip();
        try {
            return Integer.parseInt(output);
        } catch (NumberFormatException e) {
            throw new PgbkException("cannot tell the port of the restored server (postgres -C port said '" + output
                    + "'): pass --port");
        }
    }

    private String run(List<String> command) {
        List<String> full = new ArrayList<>();
        if (osUser.isPresent() && !command.get(0).equals("chown")) {
            full.addAll(List.of("runuser", "-u", osUser.get(), "--"));
        }
        full.addAll(command);
        try {
            Process process = new ProcessBuilder(full).directory(dataDirectory.toFile()).redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new PgbkException(command.get(0) + " did not finish within " + TOOL_TIMEOUT);
            }
            if (process.exitValue() != 0) {
                throw new PgbkException(Path.of(command.get(0)).getFileName() + " failed on " + dataDirectory + ": "
                        + output.strip().replaceAll("\\s*\\R\\s*", " "));
            }
            return output;
        } catch (IOException e) {
            throw new PgbkException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while running " + command.get(0), e);
        }
    }

    private static List<String> stopMessages(String output) {
        return output.lines()
                .filter(line -> line.contains("recovery stopping") || line.contains("last completed transaction")
                        || line.contains("selected new timeline ID"))
                .map(line -> line.replaceFirst("^.*?(LOG|FATAL):\\s*", ""))
                .toList();
    }

    private static String lastProblem(String output) {
        List<String> problems = output.lines().filter(line -> line.contains("FATAL") || line.contains("PANIC")).toList();
        return problems.isEmpty() ? "no error in its log" : problems.get(problems.size() - 1)
                .replaceFirst("^.*?(FATAL|PANIC):\\s*", "");
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new PgbkException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file, long from) {
        try {
            byte[] all = Files.readAllBytes(file);
            return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                    StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new PgbkException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while waiting for recovery");
        }
    }
}
