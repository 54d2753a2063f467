/*
 * A pgbk command started in the background by a foreground one (the prefetcher by wal-fetch, the
 * asynchronous pusher by wal-push), on the same JVM and class path, with the same configuration.
 *
 * The child must outlive its parent and be invisible to whoever waits for the parent: PostgreSQL
 * waits for archive_command and restore_command, and signals their whole process group on
 * shutdown. So it runs in a session of its own (setsid), reads /dev/null and writes to a log file
 * in the spool. It sees the configuration the same way: the same config file, the inherited
 * environment (PGBK_* variables, secrets included, never on a command line), and the flags the
 * parent was given for the settings the child reads.
 *
 * The child boots while its parent's caller waits for what it will fetch or push, so it starts the
 * way bin/pgbk starts the quick commands where it can: with the launcher's class-data archive for
 * this JVM (which bin/pgbk names in the system property pgbk.cds; the JVM ignores a stale one) and
 * zstd's library already extracted.
 *
 * It is started by a shell that puts it in the background, prints its pid and exits, so that the
 * parent JVM has no child left when it exits. A JVM whose child still runs keeps a thread blocked
 * in waitpid(), and at exit the JVM waits up to 300 ms for threads in native code to block
 * (VM_Exit::wait_for_threads_in_native_to_block): every command that started a worker, from the
 * first wal-fetch of a recovery to restore --start, took 0.3 s longer to exit (strace showed the
 * 10 ms waits; docs/benchmarks.md).
 */
package io.pgbk.cli.background;

import io.pgbk.cli.Main;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Origin;
import io.pgbk.cli.config.Setting;
import io.pgbk.error.PgbkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * @param command   the subcommand's name
 * @param settings  the settings the subcommand reads: the parent's flags for these are passed on
 * @param arguments its positional arguments
 */
public record DetachedCommand(String command, List<Setting<?>> settings, List<String> arguments) {

    private static final Logger log = LoggerFactory.getLogger(DetachedCommand.class);
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final String SHELL = "/bin/sh";
    /** $1 is the log file, the rest the command: started in the background, its pid printed. */
    private static final String LAUNCH = "log=$1; shift; \"$@\" < /dev/null >> \"$log\" 2>&1 & echo $!";
    private static final Duration SHELL_TIMEOUT = Duration.ofSeconds(30);
    /** The system property through which bin/pgbk hands zstd-jni its extracted library. */
    private static final String ZSTD_LIBRARY = "ZstdNativePath";
    /** The system property through which bin/pgbk names its class-data archive for this JVM. */
    private static final String CDS_ARCHIVE = "pgbk.cds";

    /**
     * Starts the command and returns its process id without waiting for it; its output is appended
     * to logFile.
     */
    public long start(Configuration configuration, Path logFile) {
        List<String> line = new ArrayList<>(List.of(SHELL, "-c", LAUNCH, "sh", logFile.toString()));
        if (Files.isExecutable(SETSID)) {
            line.add(SETSID.toString());
        }
        line.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // A small heap and the serial collector: the workers stream, and share two cores with PostgreSQL.
        // Their work per byte is native or a CPU instruction (zstd, CRC32C, file IO), so C2 compiles only
        // the few methods about 100x hotter than its defaults (bin/pgbk's late_c2): with the defaults, C2
        // took 0.7 of the prefetcher's 3 CPU-seconds in a 1 GiB recovery (docs/benchmarks.md).
        String classPath = System.getProperty("java.class.path");
        line.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:Tier4InvocationThreshold=500000",
                "-XX:Tier4MinInvocationThreshold=500000", "-XX:Tier4CompileThreshold=1500000",
                "-XX:Tier4BackEdgeThreshold=4000000"));
        String archive = System.getProperty(CDS_ARCHIVE);
        if (archive != null && Files.isReadable(Path.of(archive))) {
            line.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off"));
        }
        String zstdLibrary = System.getProperty(ZSTD_LIBRARY);
        if (zstdLibrary != null) {
            line.add("-D" + ZSTD_LIBRARY + "=" + zstdLibrary);
        }
        line.addAll(List.of("-cp", classPath, Main.class.getName()));
        configuration.file().ifPresent(file -> line.addAll(List.of("--config", file.toAbsolutePath().toString())));
        line.add(command);
        for (Configuration.Entry<?> entry : configuration.entries()) {
            if (entry.origin().kind() == Origin.Kind.FLAG && settings.contains(entry.setting()) && !entry.setting().secret()) {
                line.add(entry.setting().flag() + "=" + text(entry));
            }
        }
        line.addAll(arguments);
        try {
            Files.createDirectories(logFile.getParent());
            Process shell = new ProcessBuilder(line).redirectInput(new File("/dev/null"))
                    .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
            String pid = new String(shell.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (!shell.waitFor(SHELL_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || shell.exitValue() != 0
                    || !pid.matches("[0-9]{1,10}")) {
                shell.destroyForcibly();
                throw new PgbkException("cannot start pgbk " + command + " in the background (see " + logFile + ")");
            }
            log.debug("started pgbk {} in the background (pid {}), logging to {}", command, pid, logFile);
            return Long.parseLong(pid);
        } catch (IOException e) {
            throw new PgbkException("cannot start pgbk " + command + " in the background: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while starting pgbk " + command + " in the background", e);
        }
    }

    private static <T> String text(Configuration.Entry<T> entry) {
        return entry.setting().type().print(entry.value());
    }
}
