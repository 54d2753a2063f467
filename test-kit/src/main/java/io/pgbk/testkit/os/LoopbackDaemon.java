package io.pgbk.testkit.os;

import io.pgbk.testkit.os.ExitTrigger;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.LoggedProcess;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.StopAtExit;
import io.pgbk.testkit.os.TempDirectory;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A server binary that tests run on loopback ports as a child of the JVM, ready once an HTTP probe
 * says so: the common part of the etcd and Consul servers of the kit (it would sit in
 * {@code io.pgbk.testkit.os} if that package were not another engineer's).
 *
 * <p>The server runs as the JVM's own user, without {@code runuser} in between, so that the child
 * process is the server itself and a signal reaches it directly. While it runs, an
 * {@link ExitTrigger} stands ready to SIGKILL it if the JVM is killed, and the kit's one shutdown
 * hook ({@link StopAtExit}) stops it and deletes its directory if a test never closed it.
 */
public final class LoopbackDaemon implements AutoCloseable {

    private static final List<Path> BINARY_DIRECTORIES = List.of(Path.of("/usr/bin"), Path.of("/usr/local/bin"));
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PAUSE = Duration.ofMillis(100);

    private final String what;
    private final TempDirectory home;
    private final LogFile log;
    private final ServiceUser user = new ServiceUser(System.getProperty("user.name"), false);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
    private final StopAtExit.Registration atExit;
    private volatile LoggedProcess process;
    private volatile ExitTrigger exitTrigger;

    public LoopbackDaemon(String what, String directoryPrefix) {
        this.what = what;
        this.home = user.createDirectory(directoryPrefix);
        this.log = new LogFile(home.path().resolve(directoryPrefix + ".log"));
        this.atExit = StopAtExit.register(what + " in " + home.path(), this::stopAndDelete);
    }

    /**
     * The binary {@code name} from the PATH, /usr/bin or /usr/local/bin; fails with the command
     * that installs it.
     */
    public static Path findBinary(String name) {
        Stream<Path> path = Stream.of(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator))
                .filter(directory -> !directory.isEmpty())
                .map(Path::of);
        return Stream.concat(path, BINARY_DIRECTORIES.stream())
                .map(directory -> directory.resolve(name))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        name + " is not installed (not on the PATH, nor in /usr/bin or /usr/local/bin): run bin/install-deps"));
    }

    /** The directory the server may keep its data in; deleted on close. */
    public Path home() {
        return home.path();
    }

    public LogFile log() {
        return log;
    }

    /**
     * Starts {@code command} and waits until a GET of {@code probe} answers 200 with a body that
     * {@code ready} accepts. False when the server exited first (a port that someone took
     * meanwhile, say: the caller reads {@link #log()} and decides); past {@code timeout} fails
     * with the tail of the server's output.
     */
    public boolean start(List<String> command, URI probe, Predicate<String> ready, Duration timeout) {
        if (isRunning()) {
            throw new IllegalStateException(what + " is already running");
        }
        LoggedProcess started = user.start(what, command, home.path(), log);
        process = started;
        exitTrigger = ExitTrigger.arm("kill -KILL \"$1\"", List.of(Long.toString(started.process().pid())));
        Clock clock = Clock.systemUTC();
        Instant deadline = clock.instant().plus(timeout);
        while (started.isAlive() && !answers(probe, ready)) {
            if (clock.instant().isAfter(deadline)) {
                stop();
                throw new IllegalStateException(what + " was not ready within " + timeout.toSeconds()
                        + " s; its output:\n" + log.tail(40));
            }
            pause();
        }
        if (started.isAlive()) {
            return true;
        }
        stop();
        return false;
    }

    public boolean isRunning() {
        LoggedProcess current = process;
        return current != null && current.isAlive();
    }

    /** SIGTERM, then SIGKILL if the server does not exit in time; a server that is not running is fine. */
    public void stop() {
        LoggedProcess current = process;
        if (current != null) {
            current.close();
        }
        ExitTrigger trigger = exitTrigger;
        if (trigger != null) {
            trigger.close();
        }
        process = null;
        exitTrigger = null;
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() {
        try (atExit) {
            stopAndDelete();
        }
    }

    private void stopAndDelete() {
        try (home) {
            stop();
        }
    }

    private boolean answers(URI probe, Predicate<String> ready) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(probe).timeout(PROBE_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && ready.test(response.body());
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    private void pause() {
        try {
            Thread.sleep(PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }
}
