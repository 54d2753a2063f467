/*
 * `pgbk verify`: proves, without PostgreSQL, that a backup can be restored as far as the
 * repository is concerned. For each backup it reads every part object the backup's files live in
 * (its own parts and the ancestors' parts an incremental backup points at) through the sealed
 * chain, comparing every file entry with the manifest (PartCheck), and reads every WAL segment
 * from the segment of the start LSN to that of the stop LSN, which a restore cannot do without.
 * With verifyWal() it reads every archived WAL object as well.
 *
 * Objects are read in parallel by a bounded pool of named workers, each streaming one object at
 * a time, so memory is jobs x (a codec's window + buffers) whatever the backup size. Problems
 * are collected, not thrown: one run reports everything that is wrong.
 */
package io.pgbk.core.verify;

import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.manifest.PartInfo;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.restore.RequiredWal;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class Verifier {

    private static final Logger log = LoggerFactory.getLogger(Verifier.class);
    private static final String WAL = "wal/";

    private final Repository repository;
    private final Catalog catalog;
    private final int jobs;

    public Verifier(Repository repository, int jobs) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, not " + jobs);
        }
        this.repository = repository;
        this.catalog = new Catalog(repository);
        this.jobs = jobs;
    }

    /**
     * One verdict per backup, in the order given. An object several backups need (a full backup's
     * part that incremental backups point at, WAL shared by backups) is read once, and what is
     * wrong with it counts against every backup that needs it.
     */
    public List<Verdict> verifyBackups(List<BackupId> ids) {
        Map<String, Map<String, ManifestFile>> filesByPart = new TreeMap<>();
        Map<String, PartInfo> partInfos = new TreeMap<>();
        Set<String> walKeys = new TreeSet<>();
        List<BackupReads> backups = ids.stream()
                .map(id -> plan(id, filesByPart, partInfos, walKeys)).toList();
        return runOnPool(pool -> {
            Map<String, Future<List<Finding>>> reads = new TreeMap<>();
            filesByPart.forEach((key, files) -> reads.put(key, pool.submit(() -> new PartCheck(repository, key,
                    Optional.ofNullable(partInfos.get(key)), List.copyOf(files.values())).run())));
            walKeys.forEach(key -> reads.put(key, pool.submit(() -> readObject(key))));
            List<Verdict> verdicts = new ArrayList<>();
            for (BackupReads backup : backups) {
                List<Finding> findings = new ArrayList<>(backup.findings());
                for (String key : backup.objects()) {
                    findings.addAll(reads.get(key).get());
                }
                verdicts.add(new Verdict(backup.id().toString(), backup.objects().size(), findings));
                log.info("verified backup {}: {}", backup.id(), findings.isEmpty() ? "OK"
                        : findings.size() + " problems");
            }
            return verdicts;
        });
    }

    /** Reads every archived WAL object (segments, partial segments, history files, segment summaries) through its seal. */
    public Verdict verifyWal() {
        List<String> keys = Stream.concat(repository.list(WAL).stream(), repository.list(Repository.WAL_SUMMARIES).stream())
                .map(ObjectInfo::key).toList();
        return runOnPool(pool -> {
            List<Future<List<Finding>>> results = keys.stream().map(key -> pool.submit(() -> readObject(key))).toList();
            List<Finding> findings = new ArrayList<>();
            for (Future<List<Finding>> result : results) {
                findings.addAll(result.get());
            }
            return new Verdict("wal", keys.size(), findings);
        });
    }

    /* The objects one backup needs, added to the reads of the whole run; problems found on the way (no manifest, a missing parent or WAL segment) are the backup's findings. */
    private BackupReads plan(BackupId id, Map<String, Map<String, ManifestFile>> filesByPart,
            Map<String, PartInfo> partInfos, Set<String> walKeys) {
        List<Finding> findings = new ArrayList<>();
        Set<String> objects = new TreeSet<>();
        BackupManifest backup;
        try {
            backup = catalog.read(id);
            catalog.chain(backup).forEach(member -> member.parts().forEach(
                    part -> partInfos.put(BackupManifest.partKey(member.id(), part.number()), part)));
        } catch (PgbkException e) {
            findings.add(new Finding(repository.objectName(BackupManifest.manifestKey(id)), null, e.getMessage()));
            return new BackupReads(id, findings, objects);
        }
        backup.parts().forEach(part -> objects.add(BackupManifest.partKey(id, part.number())));
        backup.files().stream().filter(file -> file.data() != null).forEach(file -> {
            objects.add(file.data().partKey());
            filesByPart.computeIfAbsent(file.data().partKey(), key -> new TreeMap<>()).put(file.path(), file);
        });
        objects.forEach(key -> filesByPart.computeIfAbsent(key, empty -> new TreeMap<>()));
        for (String key : requiredWal(backup, findings)) {
            objects.add(key);
            walKeys.add(key);
        }
        return new BackupReads(id, findings, objects);
    }

    /* The keys of the WAL segments the backup needs; a missing one is a finding. */
    private List<String> requiredWal(BackupManifest backup, List<Finding> findings) {
        Optional<ClusterInfo> cluster = repository.clusterInfo();
        if (cluster.isEmpty()) {
            findings.add(new Finding(repository.objectName("cluster.json"), null,
                    "missing, so the backup's WAL segments cannot be named"));
            return List.of();
        }
        RequiredWal required = RequiredWal.of(backup, cluster.get().walSegmentSize());
        List<String> keys = new ArrayList<>();
        for (long number = required.firstSegment(); number <= required.lastSegment(); number++) {
            Optional<String> found = Optional.empty();
            for (TimelineId timeline : required.timelines()) {
                String key = segmentKey(timeline, number, required);
                if (found.isEmpty() && repository.stat(key).isPresent()) {
                    found = Optional.of(key);
                }
            }
            if (found.isPresent()) {
                keys.add(found.get());
            } else {
                findings.add(new Finding(repository.objectName(segmentKey(required.timelines().iterator().next(),
                        number, required)), null, "missing: the backup needs the WAL segments "
                        + name(required.firstSegment(), required) + " to " + name(required.lastSegment(), required)));
            }
        }
        return keys;
    }

    private List<Finding> readObject(String key) {
        try {
            return repository.verify(key).isPresent() ? List.of()
                    : List.of(new Finding(repository.objectName(key), null, "missing"));
        } catch (PgbkException e) {
            return List.of(new Finding(repository.objectName(key), null, e.getMessage()));
        }
    }

    private static String segmentKey(TimelineId timeline, long number, RequiredWal required) {
        return Repository.walKey(WalFileName.parse(
                WalSegmentName.ofSegmentNumber(timeline, number, required.segmentSize()).toString()));
    }

    private static String name(long number, RequiredWal required) {
        return WalSegmentName.ofSegmentNumber(required.timelines().iterator().next(), number, required.segmentSize())
                .toString();
    }

    private <T> T runOnPool(PoolWork<T> work) {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(jobs, task -> {
            Thread thread = new Thread(task, "pgbk-verify-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            return work.run(pool);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while verifying " + repository.describe(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException unexpected) {
                throw unexpected;
            }
            throw new IllegalStateException("a verify worker failed unexpectedly", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** What verifying one backup reads, and what was found wrong before reading anything. */
    private record BackupReads(BackupId id, List<Finding> findings, Set<String> objects) {
    }

    private interface PoolWork<T> {
        T run(ExecutorService pool) throws InterruptedException, ExecutionException;
    }
}
