package io.pgbk.testkit.postgres;

import io.pgbk.testkit.os.ExitTrigger;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.LoggedProcess;
import io.pgbk.testkit.os.ServiceUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The server process of one cluster, across its starts and stops. {@code postgres} runs in the
 * foreground as a child of the JVM (through {@code runuser} when the JVM is root), its output in
 * the server log, so the kit knows exactly when it dies. Stopping goes through {@code pg_ctl},
 * whose shutdown modes PostgreSQL defines: fast (clean, with a checkpoint) or immediate (a crash:
 * the next start runs crash recovery). While it runs, an {@link ExitTrigger} stands ready to
 * SIGQUIT (immediate shutdown) the postmaster if the JVM is killed before it can stop it.
 */
final class Postmaster {

    enum Shutdown { FAST, IMMEDIATE }

    /** postmaster.pid, line 6: the first listen address, written once the TCP socket is bound. */
    private static final int LISTEN_ADDRESS_LINE = 6;
    /** postmaster.pid, line 8: "starting", "stopping", "ready" or "standby" (read-only connections), as pg_ctl reads it. */
    private static final int STATUS_LINE = 8;
    private static final String PORT_TAKEN = "could not create any TCP/IP sockets";
    private static final String SIGQUIT_POSTMASTER =
            "pid=$(head -n 1 \"$1/postmaster.pid\" 2>/dev/null) && kill -QUIT \"$pid\"";

    private final String name;
    private final ServiceUser user;
    private final PostgresBinaries binaries;
    private final Path dataDirectory;
    private final Path workDirectory;
    private final LogFile serverLog;
    private final LogFile controlLog;
    private volatile LoggedProcess process;
    private volatile ExitTrigger exitTrigger;

    Postmaster(String name, ServiceUser user, PostgresBinaries binaries, Path dataDirectory, Path workDirectory,
               LogFile serverLog, LogFile controlLog) {
        this.name = name;
        this.user = user;
        this.binaries = binaries;
        this.dataDirectory = dataDirectory;
        this.workDirectory = workDirectory;
        this.serverLog = serverLog;
        this.controlLog = controlLog;
    }

    /**
     * Starts postgres and waits until it listens on its TCP port (not until it accepts
     * connections: a server in recovery may take long, or never, to do that). False when the port
     * turned out to be taken, so the caller can pick another; any other failed start throws.
     */
    boolean start(Deadline deadline) {
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running");
        }
        forgetExited();
        long mark = serverLog.size();
        exitTrigger = ExitTrigger.arm(SIGQUIT_POSTMASTER, List.of(dataDirectory.toString()));
        process = user.start("postgres " + name,
                List.of(binaries.tool("postgres"), "-D", dataDirectory.toString()), workDirectory, serverLog);
        LoggedProcess started = process;
        deadline.await(name + " to listen", () -> !started.isAlive() || listening(),
                () -> "server log of " + name + ":\n" + serverLog.since(mark));
        if (started.isAlive() || started.process().exitValue() == 0) {
            // status 0: it already ran and shut down by itself (recovery_target_action = 'shutdown' on little WAL)
            return true;
        }
        forgetExited();
        String output = serverLog.since(mark);
        if (output.contains(PORT_TAKEN)) {
            return false;
        }
        throw new IllegalStateException(name + " exited while starting; server log:\n" + output);
    }

    boolean isRunning() {
        LoggedProcess current = process;
        return current != null && current.isAlive();
    }

    /**
     * Whether the postmaster says it accepts connections. Checked before connecting, so waiting for
     * a server that is still starting does not fill its log with refused connections.
     */
    boolean acceptsConnections() {
        List<String> lines = readPidFile();
        return isRunning() && lines.size() >= STATUS_LINE
                && List.of("ready", "standby").contains(lines.get(STATUS_LINE - 1).strip());
    }

    /** The postmaster's PID while it runs (the JVM's child may be {@code runuser}, not postgres itself). */
    OptionalLong pid() {
        return readPidFile().stream().findFirst().map(String::strip).filter(line -> line.matches("\\d+"))
                .map(line -> OptionalLong.of(Long.parseLong(line))).orElse(OptionalLong.empty());
    }

    /** Stops the server with {@code mode}; a server that is not running, or dies meanwhile, is fine. */
    void stop(Shutdown mode, Duration timeout) {
        LoggedProcess current = process;
        if (current == null) {
            return;
        }
        if (current.isAlive()) {
            String modeName = mode.name().toLowerCase(Locale.ROOT);
            try {
                user.run("pg_ctl stop -m " + modeName + " (" + name + ")",
                        List.of(binaries.tool("pg_ctl"), "stop", "-D", dataDirectory.toString(), "-m", modeName,
                                "-t", Long.toString(timeout.toSeconds())),
                        workDirectory, controlLog, timeout.plusSeconds(10));
            } catch (RuntimeException e) {
                if (current.isAlive()) {
                    throw e;
                }
            }
            if (!current.waitForExit(timeout)) {
                throw new IllegalStateException(name + " did not exit within " + timeout.toSeconds() + " s of pg_ctl stop");
            }
        }
        forgetExited();
    }

    /** Waits until the server exits by itself (e.g. {@code recovery_target_action = 'shutdown'}). */
    void awaitExit(Deadline deadline) {
        LoggedProcess current = process;
        if (current != null) {
            deadline.await(name + " to exit", () -> !current.isAlive(), () -> "server log of " + name + ":\n" + serverLog.tail(40));
        }
        forgetExited();
    }

    private void forgetExited() {
        LoggedProcess current = process;
        if (current != null && current.isAlive()) {
            return;
        }
        ExitTrigger trigger = exitTrigger;
        if (trigger != null) {
            trigger.close();
        }
        if (current != null) {
            current.close();
        }
        exitTrigger = null;
        process = null;
    }

    private boolean listening() {
        List<String> lines = readPidFile();
        return lines.size() >= LISTEN_ADDRESS_LINE && !lines.get(LISTEN_ADDRESS_LINE - 1).isBlank()
                && pid().stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    private List<String> readPidFile() {
        try {
            return Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
        } catch (NoSuchFileException notRunning) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
