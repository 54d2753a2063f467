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
 *   early. Only the holder of the prefetch lock writes one, right after asking the repository;
 * - want/NAME is bin/pgbk asking a running prefetcher for a segment in/ lacks (waiting a few
 *   seconds for in/NAME or a fresh in/NAME.missing instead of starting a JVM); the prefetcher
 *   answers it before anything else and removes it, answered or not.
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
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

public final class PrefetchQueue {

    static final String MARKER = "system-identifier";
    static final String MISSING = ".missing";
    private static final String SEGMENT = "[0-9A-F]{24}";
    private static final Pattern HISTORY_MISSING = Pattern.compile("[0-9A-F]{8}\\.history" + Pattern.quote(MISSING));

    private final Path directory;
    private final Path startFile;
    private final Path requests;

    PrefetchQueue(Path directory, Path startFile, Path requests) {
        this.directory = directory;
        this.startFile = startFile;
        this.requests = requests;
    }

    public Path directory() {
        return directory;
    }

    /** Drops the record of where to start: a prefetcher then waits until continueFrom tells it. */
    public void forgetStart() {
        delete(startFile);
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
        delete(directory.resolve(walName + MISSING));
    }

    /** The segments bin/pgbk is waiting for (want/), by name. */
    public Set<String> requested() {
        return segmentsIn(requests);
    }

    /** Whether bin/pgbk is still waiting for walName (it withdraws a request it stopped waiting for). */
    public boolean isRequested(String walName) {
        return Files.exists(requests.resolve(walName));
    }

    /** Removes the request for walName: answered in in/, or not answerable here (bin/pgbk then starts a JVM). */
    public void settleRequest(String walName) {
        delete(requests.resolve(walName));
    }

    /** Ties in/ to a cluster, emptying it first when it held another cluster's WAL (or nobody's), and opens want/. */
    public void bindTo(SystemIdentifier system) {
        DurableText marker = new DurableText(directory.resolve(MARKER));
        if (!marker.names(system)) {
            removeAll(name -> true);
            marker.write(system + "\n");
        }
        try {
            Files.createDirectories(requests);
        } catch (IOException e) {
            throw new PgbkException("cannot create " + requests + ": " + e.getMessage(), e);
        }
    }

    /** The segments waiting in in/, by name. */
    public Set<String> queued() {
        return segmentsIn(directory);
    }

    /**
     * Removes every segment, segment marker and leftover temporary file not named in wanted. The
     * answers about history files stay: they do not depend on where recovery is.
     */
    public void keepOnly(Collection<String> wanted) {
        removeAll(name -> !HISTORY_MISSING.matcher(name).matches() && !wanted.contains(name));
    }

    private void removeAll(Predicate<String> unwanted) {
        for (Path file : entries(directory)) {
            String name = file.getFileName().toString();
            if (!name.equals(MARKER) && unwanted.test(name)) {
                delete(file);
            }
        }
    }

    private static Set<String> segmentsIn(Path directory) {
        Set<String> names = new TreeSet<>();
        for (Path file : entries(directory)) {
            String name = file.getFileName().toString();
            if (name.matches(SEGMENT)) {
                names.add(name);
            }
        }
        return names;
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new PgbkException("cannot remove " + file + " from the prefetch spool: " + e.getMessage(), e);
        }
    }

    private static Collection<Path> entries(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).toList();
        } catch (NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new PgbkException("cannot list the prefetch spool " + directory + ": " + e.getMessage(), e);
        }
    }
}
