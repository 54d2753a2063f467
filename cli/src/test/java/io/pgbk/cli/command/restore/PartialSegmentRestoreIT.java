package io.pgbk.cli.command.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.cli.PgbkInstallation;
import io.pgbk.cli.background.BackgroundWorkers;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The end of a timeline whose last segment the repository holds only as <segment>.partial (how
 * receive-wal and PostgreSQL's promotion store it): `pgbk restore --target-timeline 1` (or
 * current, the backup's timeline) writes a restore_command that serves that segment from the
 * .partial, so recovery reaches the rows in it;
 * a restore following the latest timeline takes the later timeline's copy of the switch segment
 * and never replays timeline 1's WAL past the switch point. Through the installed launcher, with
 * a prefetch spool, as PostgreSQL runs it.
 */
class PartialSegmentRestoreIT {

    private static final int PAGE = 8192;
    private static final int SERVER_LOG_LINES = 10_000;

    private final ServiceUser user = ServiceUser.forServers();

    @Test
    void theTargetTimelinesLastRowsComeFromItsPartialAndTheLatestTimelineNeverUsesIt() throws Exception {
        try (PgbkInstallation pgbk = PgbkInstallation.create();
             TempDirectory work = user.createDirectory("partial-restore-it")) {
            Path repository = Files.createDirectory(work.path().resolve("repository"));
            Path config = Files.writeString(work.path().resolve("pgbk.yaml"), "repo: " + repository
                    + "\ncluster: main\nspool-path: " + work.path().resolve("spool") + "\nlock-path: "
                    + work.path().resolve("locks") + "\n");
            user.takeOwnership(work.path());
            try {
                long xidOfRow3;
                String lastSegment;
                try (PostgresCluster primary = PostgresCluster.startPrimary("partial-primary", PostgresOptions.defaults()
                        .withSetting("archive_mode", "on")
                        .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p")))) {
                    primary.execute("CREATE TABLE ledger (n int PRIMARY KEY, xid bigint DEFAULT txid_current())");
                    primary.switchWalAndAwaitArchived();
                    requireSuccess(pgbk.run(work.path(), Map.of(), "--config", config.toString(), "backup",
                            "--pgdata", primary.dataDirectory().toString(), "--db", primary.conninfo(), "--from", "primary"));
                    for (int n = 1; n <= 3; n++) {
                        primary.execute("INSERT INTO ledger (n) VALUES (" + n + ")");
                    }
                    xidOfRow3 = primary.queryForLong("SELECT xid FROM ledger WHERE n = 3");
                    primary.switchWalAndAwaitArchived();
                    primary.execute("INSERT INTO ledger (n) VALUES (4), (5)");
                    lastSegment = storeLastSegmentAsPartial(pgbk, config, work.path(), primary);
                    primary.crash();
                }

                Path toTimeline1 = work.path().resolve("timeline-1");
                requireSuccess(pgbk.run(work.path(), Map.of(), "--config", config.toString(), "restore",
                        "--pgdata", toTimeline1.toString(), "--target-timeline", "1",
                        "--pgbk-command", pgbk.launcher().toString()));
                assertThat(Files.readAllLines(toTimeline1.resolve("postgresql.auto.conf")))
                        .anyMatch(line -> line.startsWith("restore_command") && line.contains("wal-fetch --target-timeline 1 %f %p"));
                Recovery timeline1 = recover(toTimeline1, false);
                assertThat(timeline1.rows()).containsExactly(1, 2, 3, 4, 5);
                assertThat(timeline1.serverLog())
                        .contains("served " + lastSegment + " from " + lastSegment + ".partial (end of timeline 1)");

                Path toCurrent = work.path().resolve("current");
                requireSuccess(pgbk.run(work.path(), Map.of(), "--config", config.toString(), "restore",
                        "--pgdata", toCurrent.toString(), "--target-timeline", "current",
                        "--pgbk-command", pgbk.launcher().toString()));
                assertThat(recover(toCurrent, false).rows()).as("current: the backup's timeline, 1").containsExactly(1, 2, 3, 4, 5);

                // Timeline 2 branches off timeline 1 after row 3, before the WAL of the .partial.
                Path branch = work.path().resolve("branch");
                requireSuccess(pgbk.run(work.path(), Map.of(), "--config", config.toString(), "restore",
                        "--pgdata", branch.toString(), "--target-xid", Long.toString(xidOfRow3), "--archive-mode", "preserve",
                        "--pgbk-command", pgbk.launcher().toString()));
                assertThat(recover(branch, true).rows()).containsExactly(1, 2, 3, 100);

                Path latest = work.path().resolve("latest");
                requireSuccess(pgbk.run(work.path(), Map.of(), "--config", config.toString(), "restore",
                        "--pgdata", latest.toString(), "--pgbk-command", pgbk.launcher().toString()));
                assertThat(Files.readAllLines(latest.resolve("postgresql.auto.conf")))
                        .anyMatch(line -> line.startsWith("restore_command") && line.contains(" wal-fetch %f %p"));
                Recovery latestTimeline = recover(latest, false);
                assertThat(latestTimeline.rows()).containsExactly(1, 2, 3, 100);
                assertThat(latestTimeline.serverLog()).doesNotContain(".partial (end of timeline");
            } finally {
                BackgroundWorkers.stopAll(config);
            }
        }
    }

    /*
     * The segment being written, cut after the page of the last commit (the rest would be zeros
     * or a recycled segment's old WAL), pushed as <segment>.partial the way receive-wal stores a
     * timeline's last segment; the complete segment never reaches the repository.
     */
    private static String storeLastSegmentAsPartial(PgbkInstallation pgbk, Path config, Path work, PostgresCluster primary)
            throws IOException {
        String flushed = primary.queryForString("SELECT pg_current_wal_flush_lsn()");
        String segment = primary.queryForString("SELECT pg_walfile_name('" + flushed + "')");
        long offset = primary.queryForLong("SELECT file_offset FROM pg_walfile_name_offset('" + flushed + "')");
        byte[] written = Files.readAllBytes(primary.dataDirectory().resolve("pg_wal").resolve(segment));
        Path partial = Files.write(work.resolve(segment + ".partial"),
                Arrays.copyOf(written, (int) ((offset / PAGE + 1) * PAGE)));
        requireSuccess(pgbk.run(work, Map.of(), "--config", config.toString(), "wal-push", partial.toString()));
        return segment;
    }

    /** The ledger's rows after a recovery, and the server's log, where restore_command's messages go. */
    private record Recovery(Set<Integer> rows, String serverLog) {
    }

    /** Starts PostgreSQL on a restored directory and waits for the end of recovery (then adds row 100 and archives it when asked). */
    private static Recovery recover(Path pgdata, boolean writeAndArchiveRow100) throws SQLException {
        try (PostgresCluster restored = PostgresCluster.restoredFrom(pgdata, PostgresOptions.defaults())) {
            restored.waitUntilPromoted();
            if (writeAndArchiveRow100) {
                restored.execute("INSERT INTO ledger (n) VALUES (100)");
                restored.switchWalAndAwaitArchived();
            }
            Set<Integer> rows = new TreeSet<>();
            try (Connection connection = restored.connect(); Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT n FROM ledger")) {
                while (result.next()) {
                    rows.add(result.getInt(1));
                }
            }
            return new Recovery(rows, restored.logTail(SERVER_LOG_LINES));
        }
    }


    private static void requireSuccess(PgbkInstallation.Result result) {
        assertThat(result.status()).as(result.err()).isZero();
    }
}
