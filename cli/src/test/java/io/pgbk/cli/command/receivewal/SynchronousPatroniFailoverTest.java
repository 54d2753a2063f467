package io.pgbk.cli.command.receivewal;

import static io.pgbk.cli.command.receivewal.PatroniProbe.execute;
import static io.pgbk.cli.command.receivewal.PatroniProbe.leaderIs;
import static io.pgbk.cli.command.receivewal.PatroniProbe.leaderName;
import static io.pgbk.cli.command.receivewal.PatroniProbe.queryForString;
import static io.pgbk.cli.command.receivewal.PatroniProbe.streamingReplica;
import static io.pgbk.cli.command.receivewal.PatroniProbe.synchronousStandby;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.ha.dcs.Dcs;
import io.pgbk.ha.dcs.DcsLocation;
import io.pgbk.ha.dcs.DcsPrimaryLocator;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.etcd.EtcdServer;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.patroni.PatroniDcs;
import io.pgbk.testkit.patroni.PatroniNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero data loss through a hard failover of a real 2-node Patroni cluster on etcd: pgbk
 * receive-wal --synchronous is the cluster's synchronous standby (synchronous_standby_names =
 * 'pgbk' in Patroni's DCS configuration, so the promoted node has it too; Patroni's own
 * synchronous_mode is off, see docs/patroni.md), a writer commits rows, the walsender feeding the
 * Patroni replica is stopped (SIGSTOP: a replica cut off, as by a network stall, still well within
 * maximum_lag_on_failover) while the leader goes on committing, and then the leader's Patroni and
 * PostgreSQL are killed with SIGKILL. The receiver follows the promoted replica by itself.
 *
 * The proof, from base backups taken at the start and the repository's WAL alone:
 * - recovered with target timeline 1 to the end of that timeline's WAL (its last segment is the
 *   .partial the receiver stored when the timeline ended), it holds every row the killed leader
 *   acknowledged, also those the Patroni replica had not received when it was promoted;
 * - recovered to the end of WAL on the latest timeline, it holds every row acknowledged after
 *   the failover; the rows committed while the replica was cut off are not there (the cluster
 *   lost them, the repository did not).
 */
class SynchronousPatroniFailoverTest {

    private static final Logger LOG = LoggerFactory.getLogger(SynchronousPatroniFailoverTest.class);
    private static final WalSegmentSize MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final Poll BOOTSTRAP = new Poll(Duration.ofSeconds(120));
    private static final Poll SOON = new Poll(Duration.ofSeconds(60));
    private static final String SCOPE = "metropolis";
    private static final Map<String, String> PGBK_SYNCHRONOUS = Map.of("synchronous_standby_names", "pgbk");

    @Test
    void everyAcknowledgedCommitSurvivesAHardFailoverInTheRepository() throws Exception {
        ServiceUser user = ServiceUser.forServers();
        try (EtcdServer etcd = EtcdServer.start();
             TempDirectory work = user.createDirectory("patroni-sync");
             PatroniNode pg1 = PatroniNode.start("pg1", SCOPE, PatroniDcs.etcd(etcd, SCOPE), PGBK_SYNCHRONOUS);
             Dcs dcs = DcsLocation.parse(PatroniDcs.etcd(etcd, SCOPE).location()).open();
             LocalObjectStore store = new LocalObjectStore(Files.createDirectory(work.path().resolve("repository")))) {
            BOOTSTRAP.until("pg1 to bootstrap and lead", () -> pg1.requireAlive() && leaderIs(dcs, "pg1"), pg1::logTail);
            DcsPrimaryLocator locator = new DcsPrimaryLocator(dcs, Clock.systemUTC());
            try (FollowingReceiver following = FollowingReceiver.start(locator, store, work.path().resolve("spool"), true,
                    MIB);
                 PatroniNode pg2 = PatroniNode.start("pg2", SCOPE, PatroniDcs.etcd(etcd, SCOPE), PGBK_SYNCHRONOUS)) {
                ArchivedWal stored = following.stored();
                SOON.until("pgbk to be pg1's synchronous standby", () -> synchronousStandby(pg1, "pgbk"),
                        following::lastFailure);
                BOOTSTRAP.until("pg2 to stream from pg1", () -> pg2.requireAlive() && streamingReplica(pg1, "pg2"),
                        pg2::logTail);
                execute(pg1, RowWriter.TABLE);
                Lsn backupStart = WalRestore.baseBackup(pg1.postgresPort(), work.path().resolve("base-1"), work.path());
                WalRestore.baseBackup(pg1.postgresPort(), work.path().resolve("base-latest"), work.path());

                Map<String, PatroniNode> nodes = Map.of(pg1.name(), pg1, pg2.name(), pg2);
                NavigableSet<Integer> byOldLeader;
                NavigableSet<Integer> byNewLeader;
                String last;
                try (RowWriter writer = RowWriter.start(() -> leaderName(dcs).map(nodes::get).map(PatroniNode::jdbcUrl))) {
                    writer.awaitRows(SOON, 300);
                    stallReplication(pg1, pg2.name());
                    try {
                        writer.awaitRows(SOON, writer.count() + 50);
                    } finally {
                        pg1.killHard();
                    }
                    SOON.until("pg2 to take over", () -> leaderIs(dcs, "pg2"), pg2::logTail);
                    SOON.until("the receiver to follow pg2 onto timeline 2 as its synchronous standby",
                            () -> stored.holds("00000002.history") && synchronousStandby(pg2, "pgbk"),
                            following::lastFailure);
                    writer.awaitRows(SOON, writer.count() + 200);
                    writer.close();
                    byOldLeader = writer.acknowledgedBy(pg1.jdbcUrl());
                    byNewLeader = writer.acknowledgedBy(pg2.jdbcUrl());
                    last = queryForString(pg2, "SELECT pg_walfile_name(pg_switch_wal())");
                }
                SOON.until(last + " in the repository", () -> stored.holds(last), () -> stored.names().toString());
                assertThat(following.stop()).as("the receiver stopped").isTrue();
                assertThat(following.receiver().gaps()).isEmpty();
                assertThat(byOldLeader).hasSizeGreaterThanOrEqualTo(300);
                assertThat(byNewLeader).hasSizeGreaterThanOrEqualTo(200);

                Lsn end = WalSegmentName.parse(last).startLsn(MIB).plus(MIB.bytes());
                assertThat(stored.missing(backupStart, end, work.path())).as("segments missing from the repository")
                        .isEmpty();
                List<String> timelineOneEnd = stored.names().stream()
                        .filter(name -> name.startsWith("00000001") && name.endsWith(".partial")).toList();
                assertThat(timelineOneEnd).as("timeline 1's last segment, stored when the timeline ended").hasSize(1);

                Path wal = Files.createDirectory(work.path().resolve("restore-wal"));
                stored.fetchAll(wal);
                Set<Integer> timelineOne = WalRestore.recoverTimelineAndReadRows(work.path(),
                        work.path().resolve("base-1"), wal, TimelineId.FIRST);
                assertThat(timelineOne).as("rows in the restore of timeline 1").containsAll(byOldLeader);
                Set<Integer> latest = WalRestore.recoverAndReadRows(work.path(), work.path().resolve("base-latest"), wal);
                assertThat(latest).as("rows in the restore of the latest timeline").containsAll(byNewLeader);

                NavigableSet<Integer> notOnTimelineTwo = new TreeSet<>(byOldLeader);
                notOnTimelineTwo.removeAll(latest);
                LOG.info("synchronous mode, hard failover: the killed leader acknowledged {} rows, all in the repository's "
                        + "timeline 1 (last segment {}); {} of them never reached the promoted replica: {}",
                        byOldLeader.size(), timelineOneEnd.get(0), notOnTimelineTwo.size(), notOnTimelineTwo);
                assertThat(notOnTimelineTwo).as("rows committed while the replica was cut off").isNotEmpty();
            }
        }
    }

    /**
     * Stops (SIGSTOP) the walsender on primary that serves standby: the standby stops receiving
     * while the primary goes on committing with pgbk. The process is never continued: the caller
     * kills the primary.
     */
    private static void stallReplication(PatroniNode primary, String standby) throws Exception {
        String pid = queryForString(primary, "SELECT pid FROM pg_stat_replication WHERE application_name = '"
                + standby + "'");
        Process kill = new ProcessBuilder("kill", "-STOP", pid).redirectErrorStream(true).start();
        String output = new String(kill.getInputStream().readAllBytes());
        assertThat(kill.waitFor()).as("kill -STOP " + pid + ": " + output).isZero();
    }
}
