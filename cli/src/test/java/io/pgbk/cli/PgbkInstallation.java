package io.pgbk.cli;

import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * pgbk installed where PostgreSQL can run it: the launcher bin/pgbk and the shaded jar (built by
 * the package phase, hence integration tests only) copied into a temporary directory that every
 * user may read and execute, laid out as an installation (bin/pgbk, lib/pgbk.jar). When the build
 * runs as root, PostgreSQL runs as another user that may not be able to traverse the source tree.
 * lib/ belongs to the servers' user, so that PostgreSQL's first wal-push or wal-fetch creates the
 * class-data-sharing archive there, as in production.
 */
public final class PgbkInstallation implements AutoCloseable {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    private final TempDirectory root;

    private PgbkInstallation(TempDirectory root) {
        this.root = root;
    }

    public static PgbkInstallation create() {
        Path launcher = builtFile("pgbk.launcher");
        Path jar = builtFile("pgbk.jar");
        try {
            Path directory = Files.createTempDirectory("pgbk-installation-");
            TempDirectory root = new TempDirectory(directory);
            try {
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
                Path bin = Files.createDirectory(directory.resolve("bin"));
                Path lib = Files.createDirectory(directory.resolve("lib"));
                Files.copy(launcher, bin.resolve("pgbk"));
                Files.copy(jar, lib.resolve("pgbk.jar"));
                for (Path path : List.of(bin, bin.resolve("pgbk"), lib)) {
                    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                Files.setPosixFilePermissions(lib.resolve("pgbk.jar"), PosixFilePermissions.fromString("rw-r--r--"));
                ServiceUser.forServers().takeOwnership(lib);
                return new PgbkInstallation(root);
            } catch (IOException | RuntimeException e) {
                root.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install pgbk for a test", e);
        }
    }

    private static Path builtFile(String property) {
        String value = System.getProperty(property);
        if (value == null || !Files.isRegularFile(Path.of(value))) {
            throw new IllegalStateException("system property " + property + " must name the built file (it is '" + value
                    + "'): run integration tests with 'mvn verify', after the package phase has built the jar");
        }
        return Path.of(value);
    }

    public Path launcher() {
        return root.path().resolve("bin/pgbk");
    }

    public Path directory() {
        return root.path();
    }

    /** A shell command line for archive_command or restore_command: the launcher and the arguments, quoted for sh. */
    public String command(String... arguments) {
        List<String> words = new ArrayList<>();
        words.add(launcher().toString());
        words.addAll(Arrays.asList(arguments));
        return words.stream().map(PgbkInstallation::quote).collect(Collectors.joining(" "));
    }

    private static String quote(String word) {
        return word.matches("[A-Za-z0-9_./%:=-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** What a run of the launcher did. */
    public record Result(int status, String out, String err) {
        public List<String> errLines() {
            return err.lines().toList();
        }
    }

    /** Runs the launcher as the test's user in workDirectory, with no PGBK_ or PG variables but those given. */
    public Result run(Path workDirectory, Map<String, String> environment, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(Arrays.asList(arguments));
        return run(command, workDirectory, environment);
    }

    /** Runs a command (the launcher through a symbolic link, say) like run(). */
    public static Result run(List<String> command, Path workDirectory, Map<String, String> environment) {
        Path out = null;
        Path err = null;
        Process process = null;
        try {
            out = Files.createTempFile("pgbk-out-", ".txt");
            err = Files.createTempFile("pgbk-err-", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDirectory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
            builder.environment().putAll(environment);
            process = builder.start();
            if (!process.waitFor(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(command + " did not finish within " + RUN_TIMEOUT);
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            if (process != null) {
                process.destroyForcibly();
            }
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void close() {
        root.close();
    }
}
