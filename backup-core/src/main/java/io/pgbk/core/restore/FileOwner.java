/*
 * The OS user that will own a restored data directory. PostgreSQL refuses to run as root and
 * refuses a data directory it does not own, so a restore run as root hands every file to the
 * user that will start the server: the one named by --owner; else the owner of the directory
 * (or, when it does not exist yet, of its parent) if that is not root, which is how a directory
 * prepared by an administrator says who runs PostgreSQL there; else 'postgres', the account of
 * the distributions' packages. Not running as root, files simply belong to the running user.
 */
package io.pgbk.core.restore;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Optional;

record FileOwner(Optional<UserPrincipal> user) {

    private static final String ROOT = "root";
    private static final String DEFAULT_ACCOUNT = "postgres";

    static FileOwner decide(Optional<String> requested, Path dataDirectory, boolean runningAsRoot) {
        if (!runningAsRoot) {
            if (requested.isPresent() && !requested.get().equals(System.getProperty("user.name"))) {
                throw new PgbkException("--owner " + requested.get() + " needs root: files restored by "
                        + System.getProperty("user.name") + " belong to " + System.getProperty("user.name"));
            }
            return new FileOwner(Optional.empty());
        }
        if (requested.isPresent()) {
            return new FileOwner(Optional.of(lookup(requested.get())));
        }
        try {
            Path existing = Files.exists(dataDirectory) ? dataDirectory : dataDirectory.getParent();
            UserPrincipal owner = Files.getOwner(existing);
            if (!owner.getName().equals(ROOT)) {
                return new FileOwner(Optional.of(owner));
            }
        } catch (IOException e) {
            throw new PgbkException("cannot read the owner of " + dataDirectory + ": " + e.getMessage(), e);
        }
        return new FileOwner(Optional.of(lookup(DEFAULT_ACCOUNT)));
    }

    static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static UserPrincipal lookup(String name) {
        try {
            return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
        } catch (UserPrincipalNotFoundException e) {
            throw new PgbkException("no OS user '" + name + "' to own the restored files: pass --owner USER");
        } catch (IOException e) {
            throw new PgbkException("cannot look up OS user '" + name + "': " + e.getMessage(), e);
        }
    }

    Optional<String> name() {
        return user.map(UserPrincipal::getName);
    }

    /** Hands root and everything under it (not following links) to the owner, if there is one. */
    void apply(Path root) throws IOException {
        if (user.isEmpty()) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                give(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                give(file);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void give(Path path) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(user.get());
    }
}
