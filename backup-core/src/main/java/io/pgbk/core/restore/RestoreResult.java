/*
 * What a restore did, for the command's report: the backup and why it was chosen, and how much
 * was written, kept (delta) and removed, and the OS user now owning the files (empty: the
 * running user), who is the one to start PostgreSQL on them. In a delta restore a file counts as
 * written when any of its pages was written or its size changed, and bytesWritten counts only
 * the pages written.
 */
package io.pgbk.core.restore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

public record RestoreResult(BackupChoice choice, Path dataDirectory, long filesWritten, long bytesWritten,
        long filesKept, long entriesRemoved, Optional<String> owner, Duration duration) {
}
