/*
 * The restore_command a recovery runs, as words with %f and %p where PostgreSQL puts the file
 * name and the destination. pgbk's own wal-fetch depends on the timeline recovery ends on: told
 * that timeline, it serves its last segment from the stored .partial. For
 * recovery_target_timeline = 'current' that timeline is the backup's, known only once the backup
 * is chosen, so the words are asked for then.
 */
package io.pgbk.core.recovery;

import io.pgbk.core.wal.TimelineId;
import java.util.List;
import java.util.Optional;

@FunctionalInterface
public interface RestoreCommandLine {

    /**
     * @param endTimeline the one timeline recovery ends on; empty when it follows the latest the archive knows
     * @return the words; never a secret, since the command line of every process is visible to every local user
     */
    List<String> words(Optional<TimelineId> endTimeline);

    /** A command that serves every recovery alike (cp from a directory, a script). */
    static RestoreCommandLine fixed(List<String> words) {
        List<String> copy = List.copyOf(words);
        return endTimeline -> copy;
    }
}
