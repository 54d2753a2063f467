/*
 * Where the asynchronous halves of archive_command and restore_command meet the foreground
 * commands on the local disk: <spool-path>/archive/<cluster>/ holds in/ (segments fetched ahead
 * for restore_command), want/ (segments restore_command waits for), out/ (outcomes of segments
 * pushed ahead for archive_command) and one lock file per background worker. The layout is shared with bin/pgbk, whose fast paths serve
 * in/ and out/ without starting a JVM: change both together (docs/wal-archiving.md).
 */
package io.pgbk.core.archive;

import java.nio.file.Path;

public record ArchiveSpool(Path root) {

    public static ArchiveSpool of(Path spoolPath, String cluster) {
        return new ArchiveSpool(spoolPath.resolve("archive").resolve(cluster));
    }

    public PrefetchQueue prefetchQueue() {
        return new PrefetchQueue(root.resolve("in"), root.resolve("prefetch-from"), root.resolve("want"));
    }

    public PushOutcomes pushOutcomes() {
        return new PushOutcomes(root.resolve("out"));
    }

    public Path prefetchLock() {
        return root.resolve("prefetch.lock");
    }

    /** Exists while a prefetcher waits for prefetchLock: the wal-fetch holding it then stops fetching ahead. */
    public Path prefetcherWaiting() {
        return root.resolve("prefetch.waiting");
    }

    public Path pushLock() {
        return root.resolve("push.lock");
    }

    /** Where a background worker's messages go: it has no terminal, and PostgreSQL's log is not its to write. */
    public Path log(String worker) {
        return root.resolve(worker + ".log");
    }
}
