package io.pgbk.cli;

import io.pgbk.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher bin/pgbk over the shaded jar, run as a process the way PostgreSQL and users run it. */
class LauncherIT {

    private PgbkInstallation pgbk;

    @BeforeEach
    void install() {
        pgbk = PgbkInstallation.create();
    }

    @AfterEach
    void uninstall() {
        pgbk.close();
    }

    @Test
    void runsThroughASymbolicLinkFromAnyDirectory() throws IOException {
        Path link = Files.createSymbolicLink(pgbk.directory().resolve("pgbk-link"), pgbk.launcher());

        PgbkInstallation.Result result = PgbkInstallation.run(List.of(link.toString(), "--version"), Path.of("/"), Map.of());

        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.out()).startsWith("pgbk ");
        assertThat(result.err()).isEmpty();
    }

    @Test
    void exitStatusesAndMessages() {
        Path repository = pgbk.directory().resolve("repository");

        PgbkInstallation.Result usage = pgbk.run(pgbk.directory(), Map.of(), "wal-fetch", "--bogus");
        assertThat(usage.status()).isEqualTo(2);
        assertThat(usage.err()).startsWith("pgbk: ");

        PgbkInstallation.Result badValue = pgbk.run(pgbk.directory(), Map.of("PGBK_COMPRESS", "fast"), "config");
        assertThat(badValue.status()).isEqualTo(1);
        assertThat(badValue.errLines()).containsExactly("pgbk: bad value 'fast' for 'compress' from PGBK_COMPRESS: "
                + "expected zstd, lz4 or none, optionally with a level (zstd:3)");

        PgbkInstallation.Result missing = pgbk.run(pgbk.directory(), Map.of("PGBK_REPO", repository.toString()),
                "wal-fetch", "000000010000000000000007", "RECOVERYXLOG");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.errLines()).containsExactly(
                "pgbk: WAL file 000000010000000000000007 is not in file://" + repository + " cluster 'main'");

        PgbkInstallation.Result quiet = pgbk.run(pgbk.directory(), Map.of("PGBK_REPO", repository.toString()),
                "-q", "wal-fetch", "000000010000000000000007", "RECOVERYXLOG");
        assertThat(quiet.status()).isEqualTo(1);
        assertThat(quiet.err()).isEmpty();
    }

    /** The JVM's logging is pgbk's own SLF4J provider (LoggingProvider), which SLF4J does not announce. */
    @Test
    void debugLinesCarryTimeLevelThreadAndLoggerAndNothingElseReachesStderr() {
        PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of(), "--verbose", "config");

        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.errLines()).isNotEmpty().allMatch(line -> line.matches(
                "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (DEBUG|INFO ) \\[main] [a-z.]+\\.[A-Z]\\w*: .*"), "a debug line");
        assertThat(result.err()).doesNotContain("SLF4J");
    }

    @Test
    void secretsOnTheCommandLineAreRefusedAndNeverEchoed() {
        PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of(), "config", "--s3-secret-key=sekrit-value");

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.errLines()).hasSize(1);
        assertThat(result.err()).contains("PGBK_S3_SECRET_KEY").doesNotContain("sekrit-value");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void configMasksSecretsFromTheEnvironment() {
        PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of("PGBK_S3_SECRET_KEY", "sekrit-value"), "config");

        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.out()).containsPattern("s3-secret-key +\\*+  \\(PGBK_S3_SECRET_KEY\\)").doesNotContain("sekrit-value");
    }

    /**
     * A full restore from a local repository: while the JVM starts, the launcher reads the parts of
     * the backup and of its ancestors that the page cache lacks (docs/pitr.md). A stand-in for java
     * stops the reader (SIGSTOP), reports its command line and exits; the launcher must then have
     * sent it SIGTERM, pending until the test lets it go on. The parts are sparse files, which the
     * page cache does not hold until they are read, large enough that the reader is still at work
     * when the stand-in looks.
     */
    @Test
    void aRestoreReadsTheUncachedPartsOfItsBackupChainWhileTheJvmStarts() throws IOException {
        Path backups = Files.createDirectories(pgbk.directory().resolve("repository/main/backups"));
        List<String> chain = new ArrayList<>(backupWithParts(backups, "20260102T000000Z", "20260101T000000Z", 1));
        chain.addAll(backupWithParts(backups, "20260101T000000Z", null, 2));
        Path unfinished = Files.createDirectories(backups.resolve("20260103T000000Z/parts"));
        sparseFile(unfinished.resolve("0000.tar"));
        Path config = Files.writeString(pgbk.directory().resolve("pgbk.yaml"),
                "repo: " + backups.getParent().getParent() + "\n");
        Path report = pgbk.directory().resolve("reader");
        Path javaHome = Files.createDirectories(pgbk.directory().resolve("java/bin")).getParent();
        Path java = Files.writeString(javaHome.resolve("bin/java"), """
                #!/bin/bash
                for pid in $(pgrep -P "$PPID" -x cat); do
                    kill -STOP "$pid"
                    echo "$pid"
                    tr '\\0' '\\n' < "/proc/$pid/cmdline"
                done > "$READER_REPORT"
                exit 3
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> environment = Map.of("JAVA_HOME", javaHome.toString(), "READER_REPORT", report.toString());

        for (List<String> arguments : List.of(List.of("--backup", "20260102T000000Z"), List.<String>of(),
                List.of("--backup=latest", "--force"))) {
            PgbkInstallation.Result result = restore(config, environment, arguments);

            assertThat(result.status()).as("the JVM's exit status, " + arguments).isEqualTo(3);
            List<String> reader = Files.readAllLines(report);
            assertThat(reader).as("the reader, " + arguments).hasSizeGreaterThan(2);
            List<String> expected = new ArrayList<>(List.of("cat", "--"));
            expected.addAll(chain);
            assertThat(reader.subList(1, reader.size())).isEqualTo(expected);
            long pid = Long.parseLong(reader.get(0));
            assertThat(pendingSignals(pid) & 1L << (15 - 1)).as("SIGTERM sent when the JVM ended").isNotZero();
            PgbkInstallation.Result resumed = PgbkInstallation.run(List.of("kill", "-CONT", Long.toString(pid)),
                    pgbk.directory(), Map.of());
            assertThat(resumed.status()).as(resumed.err()).isZero();
            new Poll(Duration.ofSeconds(30)).until("the reader to end", () -> ProcessHandle.of(pid)
                    .map(process -> !process.isAlive()).orElse(true), () -> "");
        }

        Path cached = Files.createDirectories(backups.resolve("20260104T000000Z/parts"));
        Files.write(cached.resolve("0000.tar"), new byte[64 * 1024]);
        Files.writeString(cached.resolve("../backup.json"), manifestHead("20260104T000000Z", null));
        for (List<String> arguments : List.of(List.of("--delta"), List.of("--target-time", "2026-01-02 00:00:00+00"),
                List.of("--backup", "20260104T000000Z"))) {
            PgbkInstallation.Result result = restore(config, environment, arguments);

            assertThat(result.status()).isEqualTo(3);
            assertThat(Files.readAllLines(report)).as("no reader for " + arguments).isEmpty();
        }
    }

    /**
     * While the reader runs, the JVM is the launcher's child, not the launcher itself: a TERM or an
     * INT sent to the launcher's pid alone (a service manager's stop) must reach the JVM, whose
     * shutdown cleans up, and the launcher must exit with the JVM's status once it has ended. INT
     * arrives as TERM: a background command starts with INT ignored. Both ways the launcher runs a
     * JVM as a child: recording the class-data archive (none yet), and with one.
     */
    @Test
    void aSignalToTheLauncherReachesTheJvmItRuns() throws Exception {
        Path backups = Files.createDirectories(pgbk.directory().resolve("repository/main/backups"));
        backupWithParts(backups, "20260101T000000Z", null, 1);
        Path config = Files.writeString(pgbk.directory().resolve("pgbk.yaml"),
                "repo: " + backups.getParent().getParent() + "\n");
        Path started = pgbk.directory().resolve("started");
        Path signalled = pgbk.directory().resolve("signalled");
        Path javaHome = Files.createDirectories(pgbk.directory().resolve("java/bin")).getParent();
        Path arguments = pgbk.directory().resolve("arguments");
        Path java = Files.writeString(javaHome.resolve("bin/java"), """
                #!/bin/bash
                trap 'echo TERM > "$SIGNALLED"; exit 143' TERM
                trap 'echo HUP > "$SIGNALLED"; exit 129' HUP
                echo "$*" > "$ARGUMENTS"
                echo "$$" > "$STARTED"
                while :; do sleep 1 & wait $!; done
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path archive = pgbk.directory().resolve("lib/pgbk-restore.java.jsa");

        for (String signal : List.of("TERM", "INT", "HUP")) {
            for (boolean recorded : List.of(false, true)) {
                Files.deleteIfExists(started);
                Files.deleteIfExists(signalled);
                Files.deleteIfExists(archive);
                if (recorded) {
                    future(archive);
                }
                Process launcher = startWithDefaultSignals(Map.of("JAVA_HOME", javaHome.toString(),
                        "STARTED", started.toString(), "SIGNALLED", signalled.toString(),
                        "ARGUMENTS", arguments.toString()), "--config", config.toString(), "restore", "--pgdata",
                        pgbk.directory().resolve("target").toString());
                try {
                    new Poll(Duration.ofSeconds(30)).until("the stand-in for java to start", () -> pidIn(started) > 0,
                            () -> "");
                    long jvm = pidIn(started);
                    assertThat(Files.readString(arguments)).contains(recorded ? "-XX:SharedArchiveFile=" + archive + " "
                            : "-XX:DumpLoadedClassList=" + archive + ".");
                    assertThat(ProcessHandle.of(jvm).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                            .as("the JVM is the launcher's child").contains(launcher.pid());

                    signalAndAwait(launcher, signal);
                    String expected = signal.equals("HUP") ? "HUP" : "TERM";
                    assertThat(Files.readString(signalled).strip()).as(signal + ", archive " + recorded)
                            .isEqualTo(expected);
                    assertThat(launcher.exitValue()).isEqualTo(expected.equals("HUP") ? 129 : 143);
                    assertThat(ProcessHandle.of(jvm).map(ProcessHandle::isAlive)).as("the JVM has ended")
                            .isNotEqualTo(Optional.of(true));
                } finally {
                    stop(launcher, started);
                }
            }
        }
    }

    /**
     * A class-data archive serves only the JVM that recorded it (any other ignores it silently), so
     * each JVM gets its own, named after the JVM's directory: an archive of another JVM, however
     * new, is never handed to this one.
     */
    @Test
    void eachJvmGetsClassDataArchivesOfItsOwn() throws IOException {
        Path arguments = pgbk.directory().resolve("arguments");
        Path lib = pgbk.directory().resolve("lib");
        Path thisJdk = standInJava("this-jdk", arguments);
        Path otherJdk = standInJava("other-jdk", arguments);
        Path others = future(lib.resolve("pgbk-config.other-jdk.jsa"));

        assertThat(config(thisJdk, arguments)).as("the other JVM's archive is left alone")
                .contains("-XX:DumpLoadedClassList=" + lib.resolve("pgbk-config.this-jdk.jsa") + ".")
                .doesNotContain("SharedArchiveFile");
        Path own = future(lib.resolve("pgbk-config.this-jdk.jsa"));
        assertThat(config(thisJdk, arguments)).contains("-XX:SharedArchiveFile=" + own + " ");
        assertThat(config(otherJdk, arguments)).contains("-XX:SharedArchiveFile=" + others + " ");
    }

    /**
     * An archive is recorded by a command's real run: not by one that prints help (its archive
     * would lack the command's classes for good), and an incremental backup's apart from a full
     * one's, since each loads classes the other does not.
     */
    @Test
    void archivesAreRecordedByRealRunsAndIncrementalBackupsHaveTheirOwn() throws IOException {
        Path arguments = pgbk.directory().resolve("arguments");
        Path lib = pgbk.directory().resolve("lib");
        Path java = standInJava("this-jdk", arguments);

        assertThat(launch(java, arguments, "backup", "--help")).doesNotContain("DumpLoadedClassList")
                .doesNotContain("SharedArchiveFile");
        assertThat(launch(java, arguments, "backup", "--type", "incr"))
                .contains("-XX:DumpLoadedClassList=" + lib.resolve("pgbk-backup-incr.this-jdk.jsa") + ".");
        assertThat(launch(java, arguments, "backup", "--type=full"))
                .contains("-XX:DumpLoadedClassList=" + lib.resolve("pgbk-backup.this-jdk.jsa") + ".");
    }

    /**
     * With the real JVM: a failed first run leaves no archive and nothing temporary; the first
     * successful one dumps a static archive, from which the next run loads pgbk's classes and
     * picocli's (Java 5 class files, which JDK 17 leaves out of a dynamic archive).
     */
    @Test
    void theFirstSuccessfulRunDumpsAStaticArchiveThatLaterRunsLoadClassesFrom() throws IOException {
        Path lib = pgbk.directory().resolve("lib");

        PgbkInstallation.Result failed = pgbk.run(pgbk.directory(), Map.of("PGBK_COMPRESS", "fast"), "config");
        assertThat(failed.status()).isEqualTo(1);
        assertThat(archives(lib)).as("after a failed run").isEmpty();

        PgbkInstallation.Result first = pgbk.run(pgbk.directory(), Map.of(), "config");
        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.err()).isEmpty();
        assertThat(archives(lib)).singleElement().asString().matches("pgbk-config\\.[^.]+\\.jsa");

        PgbkInstallation.Result next = pgbk.run(pgbk.directory(), Map.of("PGBK_JAVA_OPTS", "-Xlog:class+load=info"),
                "config");
        assertThat(next.status()).as(next.err()).isZero();
        assertThat(next.out()).contains("io.pgbk.cli.Main source: shared objects file")
                .contains("picocli.CommandLine$Model$CommandSpec source: shared objects file");
    }

    /**
     * A dump that fails (a JVM without CDS) is not tried again for the same jar and JVM: the next
     * run neither lists its classes nor dumps, and runs without an archive.
     */
    @Test
    void aFailedDumpIsNotTriedAgain() throws IOException {
        Path calls = pgbk.directory().resolve("calls");
        Path home = Files.createDirectories(pgbk.directory().resolve("no-cds/bin")).getParent();
        Path java = Files.writeString(home.resolve("bin/java"), """
                #!/bin/bash
                echo "$*" >> "$CALLS"
                for arg in "$@"; do
                    case $arg in
                        -XX:DumpLoadedClassList=*) echo "java/lang/Object" > "${arg#*=}" ;;
                        -Xshare:dump) exit 1 ;;
                    esac
                done
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> environment = Map.of("JAVA_HOME", home.toString(), "CALLS", calls.toString());

        assertThat(pgbk.run(pgbk.directory(), environment, "config").status()).isZero();
        assertThat(Files.readAllLines(calls)).hasSize(2).satisfiesExactly(
                run -> assertThat(run).contains("-XX:DumpLoadedClassList="),
                dump -> assertThat(dump).contains("-Xshare:dump"));
        Files.delete(calls);

        assertThat(pgbk.run(pgbk.directory(), environment, "config").status()).isZero();
        assertThat(Files.readAllLines(calls)).singleElement().asString().doesNotContain("DumpLoadedClassList")
                .doesNotContain("SharedArchiveFile").contains("-jar");
        assertThat(archives(pgbk.directory().resolve("lib"))).containsExactly("pgbk-config.no-cds.jsa.failed");
    }

    /**
     * A signal during the dump, after the command has done its work, stops the dump and removes
     * what it had written (the class list, a part-written archive); the launcher ends with the
     * command's status, and leaves no failure marker: the next run dumps again.
     */
    @Test
    void aSignalDuringTheDumpLeavesNothingBehind() throws Exception {
        Path started = pgbk.directory().resolve("dump-started");
        Path home = Files.createDirectories(pgbk.directory().resolve("slow-dump/bin")).getParent();
        Path java = Files.writeString(home.resolve("bin/java"), """
                #!/bin/bash
                for arg in "$@"; do
                    case $arg in
                        -XX:DumpLoadedClassList=*) echo "java/lang/Object" > "${arg#*=}" ;;
                        -XX:SharedArchiveFile=*) archive=${arg#*=} ;;
                        -Xshare:dump) dumping=true ;;
                    esac
                done
                if [[ -n $dumping ]]; then
                    echo "part of an archive" > "$archive"
                    echo "$$" > "$STARTED"
                    while :; do sleep 1 & wait $!; done
                fi
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lib = pgbk.directory().resolve("lib");

        for (String signal : List.of("TERM", "INT", "HUP")) {
            Files.deleteIfExists(started);
            Process launcher = startWithDefaultSignals(
                    Map.of("JAVA_HOME", home.toString(), "STARTED", started.toString()), "config");
            try {
                new Poll(Duration.ofSeconds(30)).until("the dump to start", () -> pidIn(started) > 0, () -> "");
                long dump = pidIn(started);
                assertThat(archives(lib)).as("while dumping").anyMatch(name -> name.matches(".*\\.jsa\\.\\d+"))
                        .anyMatch(name -> name.endsWith(".classes"));

                signalAndAwait(launcher, signal);
                assertThat(launcher.exitValue()).as("the command's status, after " + signal).isZero();
                assertThat(ProcessHandle.of(dump).map(ProcessHandle::isAlive)).as("the dump has ended")
                        .isNotEqualTo(Optional.of(true));
                assertThat(archives(lib)).as("after " + signal).isEmpty();
            } finally {
                stop(launcher, started);
            }
        }
    }

    /**
     * The launcher with the signals' default actions, as a service manager starts it: started in
     * the background or by nohup, the build's JVM passes INT or HUP on ignored, and bash keeps a
     * signal ignored at its start so (env execs the launcher: same pid).
     */
    private Process startWithDefaultSignals(Map<String, String> environment, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,TERM",
                pgbk.launcher().toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(pgbk.directory().toFile())
                .redirectErrorStream(true).redirectOutput(pgbk.directory().resolve("launcher.log").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** Sends signal to the launcher alone and waits for it to end. */
    private void signalAndAwait(Process launcher, String signal) throws InterruptedException {
        PgbkInstallation.Result kill = PgbkInstallation.run(
                List.of("kill", "-" + signal, Long.toString(launcher.pid())), pgbk.directory(), Map.of());
        assertThat(kill.status()).as(kill.err()).isZero();
        assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).as("the launcher ends after " + signal).isTrue();
    }

    /** Ends the launcher and the stand-in for java whose pid is in started, whatever the test left running. */
    private static void stop(Process launcher, Path started) {
        launcher.destroyForcibly();
        long standIn = pidIn(started);
        if (standIn > 0) {
            ProcessHandle.of(standIn).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The names of the archives and temporary files the launcher left in lib. */
    private static List<String> archives(Path lib) throws IOException {
        try (var files = Files.list(lib)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.contains(".jsa")).toList();
        }
    }

    /** A JAVA_HOME whose java writes its arguments into a file and exits. */
    private Path standInJava(String name, Path arguments) throws IOException {
        Path home = Files.createDirectories(pgbk.directory().resolve(name + "/bin")).getParent();
        Path java = Files.writeString(home.resolve("bin/java"), "#!/bin/bash\necho \"$*\" > " + arguments + "\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /** The arguments bin/pgbk gave the java of javaHome for `pgbk config`. */
    private String config(Path javaHome, Path arguments) throws IOException {
        return launch(javaHome, arguments, "config");
    }

    /** The arguments bin/pgbk gave the java of javaHome for the command line. */
    private String launch(Path javaHome, Path arguments, String... commandLine) throws IOException {
        Files.deleteIfExists(arguments);
        PgbkInstallation.Result result = pgbk.run(pgbk.directory(), Map.of("JAVA_HOME", javaHome.toString()), commandLine);
        assertThat(result.status()).as(result.err()).isZero();
        return Files.readString(arguments);
    }

    /** A stand-in archive, newer than the jar and any JVM. */
    private static Path future(Path archive) throws IOException {
        Files.writeString(archive, "stand-in");
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().plusSeconds(60)));
        return archive;
    }

    /** The pid the stand-in for java wrote into file, or 0 before it has. */
    private static long pidIn(Path file) {
        try {
            String text = Files.readString(file).strip();
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private PgbkInstallation.Result restore(Path config, Map<String, String> environment, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(pgbk.launcher().toString(), "--config", config.toString(),
                "restore", "--pgdata", pgbk.directory().resolve("target").toString()));
        command.addAll(arguments);
        return PgbkInstallation.run(command, pgbk.directory(), environment);
    }

    /** Signals pending for the process (SigPnd and ShdPnd of /proc/PID/status), bit n - 1 for signal n. */
    private static long pendingSignals(long pid) throws IOException {
        long pending = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("SigPnd:") || line.startsWith("ShdPnd:")) {
                pending |= Long.parseUnsignedLong(line.substring(line.indexOf(':') + 1).strip(), 16);
            }
        }
        return pending;
    }

    /** A backup's manifest as far as the launcher reads it, and its parts: the paths of those, in order. */
    private static List<String> backupWithParts(Path backups, String id, String parent, int parts) throws IOException {
        Path directory = Files.createDirectories(backups.resolve(id).resolve("parts"));
        Files.writeString(backups.resolve(id).resolve("backup.json"), manifestHead(id, parent));
        List<String> written = new ArrayList<>();
        for (int part = 0; part < parts; part++) {
            written.add(sparseFile(directory.resolve("%04d.tar".formatted(part))).toString());
        }
        return written;
    }

    private static String manifestHead(String id, String parent) {
        return "PGBK\u0001\u0000{\n  \"formatVersion\" : 3,\n  \"id\" : \"" + id + "\",\n  \"type\" : \""
                + (parent == null ? "full" : "incr") + "\",\n  \"parent\" : "
                + (parent == null ? "null" : "\"" + parent + "\"") + ",\n  \"files\" : [ ]\n}\n";
    }

    /** 1 GiB of which no page is in the page cache until read: reading it takes a while. */
    private static Path sparseFile(Path path) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(1L << 30);
        }
        return path;
    }
}
