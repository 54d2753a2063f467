/*
 * A file that appears under its name only once its content is durable. It is written under a
 * temporary name in the same directory (".<name>.<random>.tmp", hidden from every listing of a
 * store), fsynced, and renamed (or hard-linked, when an existing file must not be replaced) to
 * its name; the directory is then fsynced so the new entry survives a power loss as well. A
 * crash at any point leaves either the previous file or nothing under the name, plus perhaps a
 * temporary file, which LocalObjectStore sweeps away later.
 *
 * Missing parent directories are created, each followed by an fsync of its parent, so the chain
 * of entries leading to the file is as durable as the file.
 *
 * Usage: try (AtomicFile file = AtomicFile.create(target)) { in.transferTo(file.out()); file.commit(); }
 * Closing without committing removes the temporary file.
 */
package io.pgbk.storage.local;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;

public final class AtomicFile implements AutoCloseable {

    private static final String TEMPORARY_PREFIX = ".";
    private static final String TEMPORARY_SUFFIX = ".tmp";
    /** A concurrent delete may remove an empty parent between its creation and ours: try again. */
    private static final int CREATE_ATTEMPTS = 3;
    /**
     * Writes reach the file in pieces this large. Callers write what a compressor hands out, often
     * a few KiB at a time: a system call each, each starting on a part-written page, which ext4
     * then zeroes before the copy (zero_user_segments took 1.2 CPU-seconds of a full backup).
     */
    private static final int WRITE_SIZE = 256 * 1024;

    private final Path target;
    private final Path temporary;
    private final FileChannel channel;
    private final OutputStream out;
    private boolean finished;

    private AtomicFile(Path target, Path temporary, FileChannel channel) {
        this.target = target;
        this.temporary = temporary;
        this.channel = channel;
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), WRITE_SIZE);
    }

    /** Opens a temporary file next to target, creating missing parent directories durably. */
    public static AtomicFile create(Path target) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path directory = absolute.getParent();
        Path temporary = directory.resolve(TEMPORARY_PREFIX + absolute.getFileName() + "."
                + UUID.randomUUID() + TEMPORARY_SUFFIX);
        for (int attempt = 1; ; attempt++) {
            createDirectories(directory);
            try {
                FileChannel channel = FileChannel.open(temporary,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return new AtomicFile(absolute, temporary, channel);
            } catch (NoSuchFileException e) {
                if (attempt == CREATE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** True for the names this class gives its temporary files. */
    public static boolean isTemporary(String fileName) {
        return fileName.startsWith(TEMPORARY_PREFIX) && fileName.endsWith(TEMPORARY_SUFFIX);
    }

    /** Where to write the content; closing it is not needed (commit and close do). */
    public OutputStream out() {
        return out;
    }

    /** Makes the content durable and visible under the target name, replacing any file there. */
    public void commit() throws IOException {
        sync();
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        finished = true;
        fsyncDirectory(target.getParent());
    }

    /**
     * Makes the content durable and visible under the target name unless a file exists there
     * already, atomically: returns false, and leaves the existing file alone, in that case.
     */
    public boolean commitIfAbsent() throws IOException {
        sync();
        boolean created;
        try {
            Files.createLink(target, temporary);
            created = true;
        } catch (FileAlreadyExistsException e) {
            created = false;
        }
        Files.delete(temporary);
        finished = true;
        fsyncDirectory(target.getParent());
        return created;
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (!finished) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /** Flushes a directory's entries (new, renamed or removed files) to disk. */
    public static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private void sync() throws IOException {
        out.flush();
        channel.force(true);
        channel.close();
    }

    private static void createDirectories(Path directory) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = directory; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path next = missing.pop();
            try {
                Files.createDirectory(next);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(next)) {
                    throw e;
                }
            }
            fsyncDirectory(next.getParent());
        }
    }
}
