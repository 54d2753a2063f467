package io.pgbk.testkit.os;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The OS user that the servers of a test run as. PostgreSQL refuses to run as root, and the build
 * and CI run as root; so when the JVM is root, server processes run as {@code postgres} through
 * {@code runuser} and own the directories they use. Otherwise everything runs as the JVM's user and
 * no switching happens.
 *
 * <p>Processes start with the environment of the JVM minus the variables that would steer the
 * servers behind the test's back (a developer's {@code PGPORT}, {@code PGDATA}, {@code ETCDCTL_API}
 * ...): a test's servers are configured by their command lines only.
 */
public record ServiceUser(String name, boolean switched) {

    private static final String SERVICE_ACCOUNT = "postgres";
    private static final List<String> STEERING_VARIABLES = List.of("PG", "ETCD", "CONSUL_");

    /** {@code postgres} when the JVM runs as root, else the JVM's own user. */
    public static ServiceUser forServers() {
        if (jvmRunsAsRoot()) {
            return new ServiceUser(SERVICE_ACCOUNT, true);
        }
        return new ServiceUser(System.getProperty("user.name"), false);
    }

    private static boolean jvmRunsAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell whether the JVM runs as root", e);
        }
    }

    /** {@code command}, prefixed so that it runs as this user. */
    public List<String> command(List<String> command) {
        if (!switched) {
            return List.copyOf(command);
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", name, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * A new directory under {@code java.io.tmpdir}, mode 0700, owned by this user. Its ancestors
     * must let this user through, which {@code /tmp} does.
     */
    public TempDirectory createDirectory(String prefix) {
        Path parent = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        requireTraversable(parent);
        try {
            Path directory = Files.createTempDirectory(parent, "pgbk-" + prefix + "-");
            takeOwnership(directory);
            return new TempDirectory(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory in " + parent, e);
        }
    }

    /**
     * Fails with an explanation when this user cannot reach {@code directory}: a server started
     * in, say, a JUnit {@code @TempDir} (mode 0700, owned by root) dies with a less helpful message.
     */
    public void requireTraversable(Path directory) {
        if (!switched) {
            return;
        }
        for (Path ancestor = directory.toAbsolutePath().getParent(); ancestor != null; ancestor = ancestor.getParent()) {
            try {
                if (!traversable(ancestor)) {
                    throw new IllegalStateException(ancestor + " is not traversable by the OS user " + name
                            + ", so it cannot reach " + directory
                            + "; create test directories with ServiceUser.createDirectory");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private boolean traversable(Path directory) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory);
        return permissions.contains(PosixFilePermission.OTHERS_EXECUTE)
                || permissions.contains(PosixFilePermission.OWNER_EXECUTE) && Files.getOwner(directory).getName().equals(name);
    }

    /** Makes this user the owner of {@code root} and of everything below it (symbolic links themselves, not their targets). */
    public void takeOwnership(Path root) {
        if (!switched) {
            return;
        }
        try {
            UserPrincipal owner = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                    setOwner(dir, owner);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    setOwner(file, owner);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + root + " to the OS user " + name, e);
        }
    }

    private static void setOwner(Path path, UserPrincipal owner) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(owner);
    }

    /** Starts {@code command} as this user in {@code workDirectory}, stdout and stderr appended to {@code log}. */
    public LoggedProcess start(String what, List<String> command, Path workDirectory, LogFile log) {
        ProcessBuilder builder = new ProcessBuilder(command(command))
                .directory(workDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.path().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().keySet().removeIf(variable -> STEERING_VARIABLES.stream().anyMatch(variable::startsWith));
        try {
            return new LoggedProcess(what, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + what + " (" + command.get(0) + ")", e);
        }
    }

    /**
     * Runs {@code command} as this user to completion; a non-zero exit status or running past
     * {@code timeout} fails with the tail of {@code log}.
     */
    public void run(String what, List<String> command, Path workDirectory, LogFile log, Duration timeout) {
        long mark = log.size();
        try (LoggedProcess process = start(what, command, workDirectory, log)) {
            if (!process.process().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(what + " did not finish within " + timeout + "; its output:\n"
                        + log.since(mark));
            }
            int status = process.process().exitValue();
            if (status != 0) {
                throw new IllegalStateException(what + " failed with exit status " + status + "; its output:\n"
                        + log.since(mark));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }
}
