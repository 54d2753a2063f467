/*
 * What a spool directory holds, read from file names alone (the content of a .partial is
 * re-streamed anyway):
 *   <segment>           complete, fsynced, waiting for the consumer
 *   <segment>.partial   WAL being received, or the last segment of a timeline that ended
 *   <tli>.history       a timeline history waiting for the consumer
 * A .partial is finished (its timeline ended inside it) when the spool holds a file of a later
 * timeline for the same or a later segment: the receiver only moves to a later timeline after
 * the earlier one ended. Anything else in the directory is left alone.
 */
package io.pgbk.receiver.spool;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

record SpoolFiles(List<WalFileName> files, WalSegmentSize size) {

    /** A timeline's history first, then its WAL in order. */
    private static final Comparator<WalFileName> HAND_OFF_ORDER = Comparator
            .comparing(WalFileName::timeline)
            .thenComparing(f -> f.kind() == WalFileName.Kind.HISTORY ? 0 : 1)
            .thenComparing(WalFileName::name);

    SpoolFiles {
        files = List.copyOf(files);
    }

    static SpoolFiles scan(Path directory, WalSegmentSize size) throws IOException {
        List<WalFileName> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                try {
                    WalFileName parsed = WalFileName.parse(name);
                    if (parsed.kind() != WalFileName.Kind.BACKUP_HISTORY && Files.isRegularFile(entry)) {
                        files.add(parsed);
                    }
                } catch (PgbkException notWal) {
                    // temporary files and anything an operator put there are not ours to judge
                }
            }
        }
        return new SpoolFiles(files, size);
    }

    /** The files to hand to the consumer, in the order it must see them. */
    List<WalFileName> ready() {
        return files.stream()
                .filter(f -> f.kind() == WalFileName.Kind.SEGMENT || f.kind() == WalFileName.Kind.HISTORY || finished(f))
                .sorted(HAND_OFF_ORDER)
                .toList();
    }

    /** How far the spool's WAL reaches: after the newest complete segment, or at the start of an unfinished partial. */
    Optional<WalPosition> reach() {
        return files.stream()
                .filter(f -> f.kind() == WalFileName.Kind.SEGMENT
                        || (f.kind() == WalFileName.Kind.PARTIAL && !finished(f)))
                .map(f -> {
                    WalSegmentName segment = f.segment().orElseThrow();
                    Lsn start = segment.startLsn(size);
                    return new WalPosition(segment.timeline(),
                            f.kind() == WalFileName.Kind.SEGMENT ? start.plus(size.bytes()) : start);
                })
                .max(WalPosition.PROGRESS);
    }

    boolean finished(WalFileName file) {
        if (file.kind() != WalFileName.Kind.PARTIAL) {
            return false;
        }
        WalSegmentName segment = file.segment().orElseThrow();
        long number = segment.segmentNumber(size);
        return files.stream()
                .filter(other -> other.kind() != WalFileName.Kind.HISTORY)
                .map(other -> other.segment().orElseThrow())
                .anyMatch(other -> other.timeline().compareTo(segment.timeline()) > 0
                        && other.segmentNumber(size) >= number);
    }
}
