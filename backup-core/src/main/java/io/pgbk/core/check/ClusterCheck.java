/*
 * `pgbk check` (pgbackrest check, barman check): is this node's setup able to produce restorable
 * backups right now? Each check is one line, and a failed one does not hide the others, except
 * that nothing about the server can be checked without a connection to it:
 *  - repository: a probe object is stored, found and removed (reachable, writable, listable);
 *  - wal gaps: the gaps pgbk receive-wal recorded under wal-gaps/ (WAL the primary had removed
 *    before it was stored) fail the check with their range: no restore can replay across one;
 *  - postgresql: a session opens and answers;
 *  - cluster: the repository's cluster.json names this server's system identifier and version;
 *  - archive settings: archive_mode is on and archive_command runs pgbk wal-push (a warning
 *    otherwise: WAL may come from pgbk receive-wal instead);
 *  - archiving: on a primary, after a write, pg_switch_wal() ends a segment and check waits
 *    (archive-timeout) until that segment is in the repository: the whole path from PostgreSQL
 *    through archive_command to the store. A standby cannot switch WAL, so there the segment
 *    before its replay position must be archived, and the line suggests checking the primary.
 */
package io.pgbk.core.check;

import io.pgbk.core.backup.DatabaseEndpoint;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.catalog.WalGapRecords;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.error.PgbkException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

public final class ClusterCheck {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final Repository repository;
    private final DatabaseEndpoint server;
    private final Clock clock;
    private final Duration archiveTimeout;

    public ClusterCheck(Repository repository, DatabaseEndpoint server, Clock clock, Duration archiveTimeout) {
        this.repository = repository;
        this.server = server;
        this.clock = clock;
        this.archiveTimeout = archiveTimeout;
    }

    public List<CheckResult> run() {
        List<CheckResult> results = new ArrayList<>();
        results.add(repositoryAccess());
        results.add(walGaps());
        Connection opened;
        try {
            opened = server.connect();
        } catch (SQLException e) {
            results.add(CheckResult.failed("postgresql", "cannot connect to " + server.describe() + ": "
                    + e.getMessage()));
            return results;
        }
        try (Connection connection = opened) {
            ServerFacts facts = ServerFacts.read(connection);
            results.add(CheckResult.ok("postgresql", server.describe() + " answers: PostgreSQL " + facts.majorVersion()
                    + (facts.inRecovery() ? " standby" : " primary") + ", system " + facts.systemIdentifier()));
            results.add(identity(facts));
            results.add(archiveSettings(facts));
            results.add(facts.inRecovery() ? standbyArchiving(facts) : primaryArchiving(connection));
        } catch (SQLException e) {
            results.add(CheckResult.failed("postgresql", "a query on " + server.describe() + " failed: "
                    + e.getMessage()));
        }
        return results;
    }

    private CheckResult repositoryAccess() {
        String key = "check/probe-" + UUID.randomUUID();
        try {
            byte[] content = ("pgbk check " + clock.instant()).getBytes(StandardCharsets.UTF_8);
            repository.putIfAbsent(key, new SealingInputStream(new ByteArrayInputStream(content), Compression.NONE));
            if (repository.stat(key).isEmpty()) {
                return CheckResult.failed("repository", repository.describe() + " accepted a probe object but does not "
                        + "list it");
            }
            repository.delete(key);
            if (repository.stat(key).isPresent()) {
                return CheckResult.failed("repository", repository.describe() + " did not delete a probe object");
            }
            return CheckResult.ok("repository", repository.describe() + " is readable and writable");
        } catch (IOException | PgbkException e) {
            return CheckResult.failed("repository", e.getMessage());
        }
    }

    /** Reads the records that the WAL receiver writes (WalGap). */
    private CheckResult walGaps() {
        try {
            List<String> ranges = new WalGapRecords(repository).list().stream()
                    .map(gap -> gap + " (detected " + gap.detectedAt() + ")")
                    .toList();
            if (ranges.isEmpty()) {
                return CheckResult.ok("wal gaps", "none recorded");
            }
            return CheckResult.failed("wal gaps", ranges.size() + " recorded, no restore can replay across them: "
                    + String.join("; ", ranges));
        } catch (PgbkException e) {
            return CheckResult.failed("wal gaps", "cannot read the gap records: " + e.getMessage());
        }
    }

    private CheckResult identity(ServerFacts facts) {
        try {
            Optional<ClusterInfo> stored = repository.clusterInfo();
            if (stored.isEmpty()) {
                return CheckResult.warning("cluster", repository.describe() + " holds no WAL yet: the first archived "
                        + "segment will claim it for system " + facts.systemIdentifier());
            }
            ClusterInfo info = stored.get();
            if (!info.systemIdentifier().equals(facts.systemIdentifier())) {
                return CheckResult.failed("cluster", repository.describe() + " belongs to system "
                        + info.systemIdentifier() + ", but " + server.describe() + " is system "
                        + facts.systemIdentifier() + ": wrong repository or cluster name");
            }
            if (info.pgMajorVersion() != facts.majorVersion()) {
                return CheckResult.failed("cluster", repository.describe() + " holds PostgreSQL "
                        + info.pgMajorVersion() + ", but " + server.describe() + " runs PostgreSQL "
                        + facts.majorVersion());
            }
            return CheckResult.ok("cluster", "system " + facts.systemIdentifier() + ", PostgreSQL "
                    + facts.majorVersion() + ", " + info.walSegmentSize() + " WAL segments");
        } catch (PgbkException e) {
            return CheckResult.failed("cluster", e.getMessage());
        }
    }

    private static CheckResult archiveSettings(ServerFacts facts) {
        if (facts.archiveMode().equals("off")) {
            return CheckResult.warning("archive settings", "archive_mode is off: WAL reaches the repository only if "
                    + "pgbk receive-wal streams it");
        }
        if (!facts.archiveCommand().contains("wal-push")) {
            return CheckResult.warning("archive settings", "archive_command is '" + facts.archiveCommand()
                    + "', not pgbk wal-push %p");
        }
        if (facts.inRecovery() && !facts.archiveMode().equals("always")) {
            return CheckResult.ok("archive settings", "archive_mode = " + facts.archiveMode()
                    + " (this standby archives nothing until promoted), archive_command = '" + facts.archiveCommand()
                    + "'");
        }
        return CheckResult.ok("archive settings", "archive_mode = " + facts.archiveMode() + ", archive_command = '"
                + facts.archiveCommand() + "'");
    }

    private CheckResult primaryArchiving(Connection connection) throws SQLException {
        String segment;
        try (Statement statement = connection.createStatement()) {
            // a transaction id makes WAL, so the switch below ends a segment instead of doing nothing
            statement.execute("SELECT txid_current()");
            try (ResultSet row = statement.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
                row.next();
                segment = row.getString(1);
            }
        }
        String key = Repository.walKey(WalFileName.parse(segment));
        Instant deadline = clock.instant().plus(archiveTimeout);
        while (repository.stat(key).isEmpty()) {
            if (!clock.instant().isBefore(deadline)) {
                return CheckResult.failed("archiving", "WAL segment " + segment + " did not arrive in "
                        + repository.describe() + " within " + archiveTimeout.toSeconds() + " s after pg_switch_wal()"
                        + lastArchiveFailure(connection));
            }
            pause();
        }
        return CheckResult.ok("archiving", "WAL segment " + segment + " arrived in the repository after "
                + "pg_switch_wal()");
    }

    private CheckResult standbyArchiving(ServerFacts facts) {
        Optional<ClusterInfo> cluster = repository.clusterInfo();
        if (cluster.isEmpty() || !facts.replayLsn().isValid()) {
            return CheckResult.failed("archiving", "no WAL of this cluster in " + repository.describe()
                    + "; run pgbk check against the primary to test archiving end to end");
        }
        long current = facts.replayLsn().segmentNumber(cluster.get().walSegmentSize());
        WalSegmentName previous = WalSegmentName.ofSegmentNumber(new TimelineId(facts.timeline()),
                Math.max(0, current - 1), cluster.get().walSegmentSize());
        if (repository.stat(Repository.walKey(WalFileName.parse(previous.toString()))).isEmpty()) {
            return CheckResult.failed("archiving", "WAL segment " + previous + ", before this standby's replay "
                    + "position " + facts.replayLsn() + ", is not in the repository; a standby cannot switch WAL: "
                    + "run pgbk check against the primary");
        }
        return CheckResult.ok("archiving", "WAL segment " + previous + " (before the replay position) is archived; "
                + "a standby cannot switch WAL: run pgbk check against the primary to test archiving end to end");
    }

    private static String lastArchiveFailure(Connection connection) {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT last_failed_wal, last_failed_time, failed_count "
                     + "FROM pg_stat_archiver")) {
            row.next();
            return row.getString(1) == null ? "; pg_stat_archiver reports no failure (is archive_mode on?)"
                    : "; archive_command failed " + row.getLong(3) + " times, last for " + row.getString(1) + " at "
                    + row.getString(2) + " (see the PostgreSQL log)";
        } catch (SQLException e) {
            return "";
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgbkException("interrupted while waiting for WAL to be archived", e);
        }
    }
}
