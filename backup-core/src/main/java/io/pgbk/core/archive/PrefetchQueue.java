/*
 * The segments fetched ahead for restore_command (spool in/), and where the next fetch should
 * start. bin/pgbk hands a segment out of in/ with a rename, without asking the repository, so
 * everything here is about never handing out a wrong one:
 * - in/system-identifier names the cluster whose WAL in/ holds; bin/pgbk serves a file only when
 *   it equals the identifier in the data directory's pg_control, and the prefetcher empties in/
 *   when the repository's identifier differs;
 * - files are published under their name only once complete and durable (AtomicFile);
 * - when recovery asks the repository directly for a name, it records the name the queue must
 *   continue from (prefetch-from), and the prefetcher drops whatever lies outside its new window
 *   (another timeline after a promotion, a rewind to older WAL);
 * - in/NAME.missing records when the prefetcher last found the repository without NAME (the end
 *   of the archive, the next timeline's history file), so that bin/pgbk can answer recovery's
 *   expected "not there" without a JVM. It holds the time of the check, and bin/pgbk trusts it
 *   only for a few seconds (the archive may be growing): a wrong "missing" would end a recovery
 *   early. Only the prefetcher writes one, right after asking the repository.
 */
package io.pgbk.core.archive;

import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

public final class PrefetchQueue {

    static final String MARKER = "system-identifier";
    static final String MISSING = ".missing";
    private static final String SEGMENT = "[0-9A-F]{24}";

    private final Path directory;
    private final Path startFile;

    PrefetchQueue(Path directory, Path startFile) {
        this.directory = directory;
        this.startFile = startFile;
    }

    public Path directory() {
        return directory;
    }

    /** Records the first segment recovery needs next, for the prefetcher to continue from. */
    public void continueFrom(WalSegmentName name) {
        if (requestedStart().filter(name::equals).isPresent()) {
            return;
        }
        new DurableText(startFile).write(name + "\n");
    }

    public Optional<WalSegmentName> requestedStart() {
        return new DurableText(startFile).read().map(String::strip).filter(text -> text.matches(SEGMENT)).map(WalSegmentName::parse);
    }

    /** Records that the repository did not have walName when asked at checkedAt. */
    public void recordMissing(String walName, Instant checkedAt) {
        new DurableText(directory.resolve(walName + MISSING)).write(checkedAt.toEpochMilli() + "\n");
    }

    /** Drops the record that walName was missing: the repository has it now. */
    public void forgetMissing(String walName) {
        Path marker = directory.resolve(walName + MISSING);
        try {
            Files.deleteIfExists(marker);
        } catch (IOException e) {
            throw new PgbkException("cannot remove " + marker + " from the prefetch spool: " + e.getMessage(), e);
        }
    }

    /** Ties in/ to a cluster: empties it first when it held another cluster's WAL (or nobody's). */
    public void bindTo(SystemIdentifier system) {
        DurableText marker = new DurableText(directory.resolve(MARKER));
        if (marker.names(system)) {
            return;
        }
        keepOnly(Set.of());
        marker.write(system + "\n");
    }

    /** The segments waiting in in/, by name. */
    public Set<String> queued() {
        Set<String> names = new TreeSet<>();
        for (Path file : entries()) {
            String name = file.getFileName().toString();
            if (name.matches(SEGMENT)) {
                names.add(name);
            }
        }
        return names;
    }

    /** Removes every segment (and leftover temporary file) not named in wanted. */
    public void keepOnly(Collection<String> wanted) {
        for (Path file : entries()) {
            String name = file.getFileName().toString();
            if (!name.equals(MARKER) && !wanted.contains(name)) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    throw new PgbkException("cannot remove " + file + " from the prefetch spool: " + e.getMessage(), e);
                }
            }
        }
    }

    private Collection<Path> entries() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).toList();
        } catch (NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new PgbkException("cannot list the prefetch spool " + directory + ": " + e.getMessage(), e);
        }
    }
}
