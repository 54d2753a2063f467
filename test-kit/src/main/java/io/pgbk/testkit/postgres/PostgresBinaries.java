package io.pgbk.testkit.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The installed PostgreSQL server programs the tests run: {@code $PGBK_PG_BINDIR} when set (to test
 * against another major version), else what {@code pg_config --bindir} names, else the newest
 * {@code /usr/lib/postgresql/<major>/bin} (Debian's layout, where {@code pg_config} may be missing).
 */
public record PostgresBinaries(Path binDirectory, int majorVersion) {

    private static final Path DEBIAN_VERSIONS = Path.of("/usr/lib/postgresql");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");

    public static PostgresBinaries find() {
        Path binDirectory = Optional.ofNullable(System.getenv("PGBK_PG_BINDIR")).map(Path::of)
                .or(PostgresBinaries::fromPgConfig)
                .or(PostgresBinaries::newestDebianVersion)
                .filter(directory -> Files.isExecutable(directory.resolve("postgres")))
                .orElseThrow(() -> new IllegalStateException(
                        "no PostgreSQL server binaries: install postgresql-15 (bin/install-deps) or set PGBK_PG_BINDIR"));
        String version = output(binDirectory.resolve("postgres").toString(), "--version")
                .orElseThrow(() -> new IllegalStateException("cannot run " + binDirectory.resolve("postgres") + " --version"));
        Matcher matcher = VERSION.matcher(version);
        if (!matcher.find()) {
            throw new IllegalStateException("cannot read a major version from '" + version.strip() + "'");
        }
        return new PostgresBinaries(binDirectory, Integer.parseInt(matcher.group(1)));
    }

    /** The path of one program, e.g. {@code tool("pg_ctl")}. */
    public String tool(String name) {
        return binDirectory.resolve(name).toString();
    }

    private static Optional<Path> fromPgConfig() {
        return output("pg_config", "--bindir").map(String::strip).filter(line -> !line.isEmpty()).map(Path::of)
                .filter(directory -> Files.isExecutable(directory.resolve("postgres")));
    }

    private static Optional<Path> newestDebianVersion() {
        if (!Files.isDirectory(DEBIAN_VERSIONS)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DEBIAN_VERSIONS)) {
            return versions.filter(version -> version.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingInt(version -> Integer.parseInt(version.getFileName().toString())))
                    .map(version -> version.resolve("bin"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Standard output of a short command, empty when it cannot run or fails. */
    private static Optional<String> output(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (InputStream stdout = process.getInputStream()) {
                String text = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
                boolean exited = process.waitFor(30, TimeUnit.SECONDS);
                return exited && process.exitValue() == 0 ? Optional.of(text) : Optional.empty();
            } finally {
                process.destroyForcibly();
            }
        } catch (IOException notInstalled) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
