/*
 * The timeline history files of a repository, each read at most once per instance: retention
 * asks which timelines lead to a backup, restore asks which path recovery will follow. A missing
 * history file is treated as a timeline without ancestors (said in a warning), since everything
 * that uses a path errs towards keeping WAL and towards letting PostgreSQL decide.
 */
package io.pgbk.core.catalog;

import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.core.wal.TimelineHistory;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class TimelineHistories {

    private static final Logger log = LoggerFactory.getLogger(TimelineHistories.class);

    private final Repository repository;
    private final Map<TimelineId, Optional<TimelineHistory>> read = new HashMap<>();
    private final Map<TimelineId, TimelineHistory> withoutFile = new HashMap<>();

    public TimelineHistories(Repository repository) {
        this.repository = repository;
    }

    /** The path that led to timeline; only itself when its history file is missing. */
    public TimelineHistory of(TimelineId timeline) {
        return find(timeline).orElseGet(() -> withoutFile.computeIfAbsent(timeline, missing -> {
            log.warn("{} is missing: timeline {} is taken to have no ancestors", repository.objectName(key(missing)),
                    missing);
            return new TimelineHistory(missing, List.of());
        }));
    }

    /**
     * The path recovery_target_timeline makes recovery follow from a backup on timeline start:
     * 'latest' probes the next timeline numbers as PostgreSQL does (findNewestTimeLine) and takes
     * the last whose history leads through start.
     */
    public TimelineHistory path(TimelineId start, TargetTimeline target) {
        if (target.equals(TargetTimeline.CURRENT)) {
            return of(start);
        }
        if (!target.equals(TargetTimeline.LATEST)) {
            return of(new TimelineId(Long.parseLong(target.setting())));
        }
        TimelineId newest = start;
        while (find(newest.next()).isPresent()) {
            newest = newest.next();
        }
        TimelineHistory latest = of(newest);
        return latest.contains(start) ? latest : of(start);
    }

    private Optional<TimelineHistory> find(TimelineId timeline) {
        if (timeline.equals(TimelineId.FIRST)) {
            return Optional.of(TimelineHistory.ofFirst());
        }
        return read.computeIfAbsent(timeline, this::load);
    }

    private Optional<TimelineHistory> load(TimelineId timeline) {
        String key = key(timeline);
        Optional<UnsealingInputStream> history = repository.get(key);
        if (history.isEmpty()) {
            return Optional.empty();
        }
        try (UnsealingInputStream in = history.get()) {
            return Optional.of(TimelineHistory.parse(timeline, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new PgbkException("cannot read " + repository.objectName(key) + ": " + e.getMessage(), e);
        }
    }

    private static String key(TimelineId timeline) {
        return Repository.walKey(WalFileName.parse(timeline.historyFileName()));
    }
}
