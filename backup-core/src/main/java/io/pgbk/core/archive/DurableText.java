/*
 * The small text files of the spools (markers, outcomes, where to prefetch from; backup_label is
 * read the same way): read whole, and written so that a reader, bin/pgbk included, sees either the
 * old content or the new one, durably.
 */
package io.pgbk.core.archive;

import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

record DurableText(Path file) {

    Optional<String> read() {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new PgbkException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    void write(String text) {
        try (AtomicFile atomic = AtomicFile.create(file)) {
            atomic.out().write(text.getBytes(StandardCharsets.UTF_8));
            atomic.commit();
        } catch (IOException e) {
            throw new PgbkException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the file names this system (a spool's system-identifier marker). */
    boolean names(SystemIdentifier system) {
        return read().map(String::strip).filter(system.toString()::equals).isPresent();
    }
}
