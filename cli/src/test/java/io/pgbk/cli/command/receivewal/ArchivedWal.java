package io.pgbk.cli.command.receivewal;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineHistory;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What the repository holds of the WAL, checked the way a restore would need it. */
record ArchivedWal(Repository repository, WalArchive archive, WalSegmentSize size) {

    /** The names of the stored WAL files (segments, .partial segments, .history files). */
    Set<String> names() {
        Set<String> names = new TreeSet<>();
        repository.list("wal/").forEach(info -> names.add(info.key().substring(info.key().lastIndexOf('/') + 1)));
        return names;
    }

    boolean holds(String name) {
        return names().contains(name);
    }

    /** The history of the newest timeline stored, read from its .history file. */
    TimelineHistory newestHistory(Path scratch) throws IOException {
        long newest = names().stream().filter(n -> n.endsWith(".history"))
                .mapToLong(n -> Long.parseLong(n.substring(0, 8), 16)).max().orElse(1);
        if (newest == 1) {
            return TimelineHistory.ofFirst();
        }
        String name = "%08X.history".formatted(newest);
        Path file = scratch.resolve(name);
        archive.fetch(name, file);
        return TimelineHistory.parse(new TimelineId(newest), Files.readString(file));
    }

    /**
     * The segments missing for a restore that starts at from and replays every timeline of the
     * newest history up to end: each timeline's segments from where it began (or from) to its
     * switch point, as complete files or as the timeline's .partial last segment.
     */
    List<String> missing(Lsn from, Lsn end, Path scratch) throws IOException {
        TimelineHistory history = newestHistory(scratch);
        Set<String> names = names();
        List<String> missing = new ArrayList<>();
        Lsn start = from;
        List<TimelineHistory.Ended> path = new ArrayList<>(history.ancestors());
        path.add(new TimelineHistory.Ended(history.current(), end));
        for (TimelineHistory.Ended timeline : path) {
            if (timeline.switchPoint().compareTo(start) <= 0) {
                continue;
            }
            for (long segment = start.segmentNumber(size); segment <= timeline.switchPoint().plus(-1).segmentNumber(size);
                 segment++) {
                String name = WalSegmentName.ofSegmentNumber(timeline.timeline(), segment, size).toString();
                if (!names.contains(name) && !names.contains(name + ".partial")) {
                    missing.add(name);
                }
            }
            if (!timeline.timeline().equals(TimelineId.FIRST)
                    && !names.contains("%08X.history".formatted(timeline.timeline().value()))) {
                missing.add("%08X.history".formatted(timeline.timeline().value()));
            }
            start = timeline.switchPoint();
        }
        return missing;
    }

    /** Copies every stored WAL file into directory, as restore_command would one by one. */
    void fetchAll(Path directory) {
        names().forEach(name -> archive.fetch(name, directory.resolve(name)));
    }
}
