/*
 * Where a stream-mode backup's WAL ends, from the backup_manifest pg_basebackup appends to its
 * tar: its "WAL-Ranges" list every timeline the backup's WAL crosses (a standby may follow a
 * promotion while it is copied), each with its start and end LSN. The last end is the stop LSN:
 * the restored server is consistent once replay passes it. It is the same point pg_backup_stop
 * returns in local mode (on a standby, its minimum recovery point).
 */
package io.pgbk.core.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.stream.StreamSupport;

record BaseBackupWalRange(TimelineId startTimeline, Lsn start, TimelineId stopTimeline, Lsn stop) {

    private record Range(TimelineId timeline, Lsn start, Lsn end) {
    }

    static BaseBackupWalRange parse(byte[] backupManifest) {
        JsonNode ranges;
        try {
            ranges = new ObjectMapper().readTree(backupManifest).path("WAL-Ranges");
        } catch (IOException e) {
            throw new PgbkException("the backup_manifest pg_basebackup sent is not JSON: " + e.getMessage(), e);
        }
        List<Range> parsed = StreamSupport.stream(ranges.spliterator(), false)
                .map(range -> new Range(new TimelineId(range.path("Timeline").asLong()),
                        Lsn.parse(range.path("Start-LSN").asText()), Lsn.parse(range.path("End-LSN").asText())))
                .toList();
        if (parsed.isEmpty()) {
            throw new PgbkException("the backup_manifest pg_basebackup sent has no WAL-Ranges");
        }
        Range first = parsed.stream().min(Comparator.comparing(Range::start)).orElseThrow();
        Range last = parsed.stream().max(Comparator.comparing(Range::end)).orElseThrow();
        return new BaseBackupWalRange(first.timeline(), first.start(), last.timeline(), last.end());
    }
}
