/*
 * What the background pusher tells archive_command (spool out/): <name>.ok once the segment is
 * durable in the repository, <name>.error with the one-line reason when it could not be stored.
 * bin/pgbk answers success for a name with an .ok file by removing it, without a JVM; an .error
 * is reported by the foreground command, once, as its own failure. Outcomes of names PostgreSQL
 * no longer offers (it archived them through the foreground path) are swept away.
 */
package io.pgbk.core.archive;

import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

public final class PushOutcomes {

    private static final String OK = ".ok";
    private static final String ERROR = ".error";

    private final Path directory;

    PushOutcomes(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    /** Ties out/ to the cluster whose pg_wal is pushed: outcomes recorded for another one are dropped. */
    void bindTo(SystemIdentifier system) {
        DurableText marker = new DurableText(directory.resolve(PrefetchQueue.MARKER));
        if (!marker.names(system)) {
            sweep(Set.of());
            marker.write(system + "\n");
        }
    }

    void markArchived(String walName) {
        new DurableText(directory.resolve(walName + OK)).write("");
        delete(directory.resolve(walName + ERROR));
    }

    void markFailed(String walName, String message) {
        new DurableText(directory.resolve(walName + ERROR)).write(message + "\n");
    }

    /** Whether an outcome (either kind) waits for walName. */
    boolean hasOutcome(String walName) {
        return Files.exists(directory.resolve(walName + OK)) || Files.exists(directory.resolve(walName + ERROR));
    }

    /**
     * Consumes the outcome of walName: empty when there is none, or when out/ belongs to another
     * system than the caller's, else a success or the failure's message.
     */
    public Optional<Outcome> take(String walName, SystemIdentifier system) {
        if (!new DurableText(directory.resolve(PrefetchQueue.MARKER)).names(system)) {
            return Optional.empty();
        }
        Path ok = directory.resolve(walName + OK);
        if (delete(ok)) {
            return Optional.of(new Outcome(Optional.empty()));
        }
        Path error = directory.resolve(walName + ERROR);
        try {
            String message = Files.readString(error, StandardCharsets.UTF_8).strip();
            delete(error);
            return Optional.of(new Outcome(Optional.of(message)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new PgbkException("cannot read " + error + ": " + e.getMessage(), e);
        }
    }

    /** Removes outcomes of names not in offered. */
    void sweep(Set<String> offered) {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                String walName = name.endsWith(OK) ? name.substring(0, name.length() - OK.length())
                        : name.endsWith(ERROR) ? name.substring(0, name.length() - ERROR.length()) : null;
                if (walName != null && !offered.contains(walName)) {
                    delete(file);
                }
            }
        } catch (NoSuchFileException e) {
            // nothing pushed yet
        } catch (IOException e) {
            throw new PgbkException("cannot list " + directory + ": " + e.getMessage(), e);
        }
    }

    /** @param failure the reason the push failed; empty when the segment is archived */
    public record Outcome(Optional<String> failure) {
    }

    private static boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new PgbkException("cannot remove " + file + ": " + e.getMessage(), e);
        }
    }
}
