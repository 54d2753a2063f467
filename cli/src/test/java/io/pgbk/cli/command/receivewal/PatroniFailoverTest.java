package io.pgbk.cli.command.receivewal;

import static io.pgbk.cli.command.receivewal.PatroniProbe.execute;
import static io.pgbk.cli.command.receivewal.PatroniProbe.leaderIs;
import static io.pgbk.cli.command.receivewal.PatroniProbe.queryForString;
import static io.pgbk.cli.command.receivewal.PatroniProbe.streamingReplica;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.ha.dcs.Dcs;
import io.pgbk.ha.dcs.DcsLocation;
import io.pgbk.ha.dcs.DcsPrimaryLocator;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.consul.ConsulServer;
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
 * The receiver beside a real 2-node Patroni cluster, under a small write load: on etcd it follows
 * a switchover and then a hard failover (Patroni and PostgreSQL killed with SIGKILL on the
 * leader) by itself, through the DCS, once on etcd and once on Consul (where the takeover waits for
 * the dead leader's session to expire, at least 10 s). Afterwards the repository holds every segment of every
 * timeline and the .history files, and a base backup taken at the start, recovered from the
 * repository to the end of WAL, holds every row acknowledged before the switchover and every row
 * acknowledged after the failover; rows acknowledged by the killed leader may be missing
 * (asynchronous mode): their number is measured and logged.
 */
class PatroniFailoverTest {

    private static final Logger LOG = LoggerFactory.getLogger(PatroniFailoverTest.class);
    private static final WalSegmentSize MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final Poll BOOTSTRAP = new Poll(Duration.ofSeconds(120));
    private static final Poll SOON = new Poll(Duration.ofSeconds(60));
    private static final String SCOPE = "gotham";

    @Test
    void followsASwitchoverAndAHardFailoverOnEtcdWithoutAGap() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            followThroughFailovers(PatroniDcs.etcd(etcd, SCOPE), true);
        }
    }

    @Test
    void followsASwitchoverAndAHardFailoverOnConsulWithoutAGap() throws Exception {
        try (ConsulServer consul = ConsulServer.start()) {
            followThroughFailovers(PatroniDcs.consul(consul, SCOPE), true);
        }
    }

    private void followThroughFailovers(PatroniDcs patroniDcs, boolean hardFailover) throws Exception {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory work = user.createDirectory("patroni-receiver");
             PatroniNode pg1 = PatroniNode.start("pg1", SCOPE, patroniDcs);
             Dcs dcs = DcsLocation.parse(patroniDcs.location()).open();
             LocalObjectStore store = new LocalObjectStore(Files.createDirectory(work.path().resolve("repository")))) {
            DcsPrimaryLocator locator = new DcsPrimaryLocator(dcs, Clock.systemUTC());
            BOOTSTRAP.until("pg1 to bootstrap and lead", () -> pg1.requireAlive() && leaderIs(dcs, "pg1"), pg1::logTail);
            try (PatroniNode pg2 = PatroniNode.start("pg2", SCOPE, patroniDcs)) {
                BOOTSTRAP.until("pg2 to stream from pg1", () -> pg2.requireAlive() && streamingReplica(pg1, "pg2"),
                        pg2::logTail);
                execute(pg1, RowWriter.TABLE);

                try (FollowingReceiver following = FollowingReceiver.start(locator, store, work.path().resolve("spool"),
                        false, MIB);
                     RowWriter writer = RowWriter.start(() -> primaryJdbcUrl(locator))) {
                    ArchivedWal stored = following.stored();
                    SOON.until("pgbk to stream from pg1", () -> streamingReplica(pg1, "pgbk"),
                            following::lastFailure);
                    Lsn backupStart = WalRestore.baseBackup(pg1.postgresPort(), work.path().resolve("base"), work.path());
                    writer.awaitRows(SOON, 200);

                    NavigableSet<Integer> beforeSwitchover = writer.acknowledged();
                    pg1.switchoverTo(pg2);
                    SOON.until("pg2 to lead", () -> leaderIs(dcs, "pg2"), pg2::logTail);
                    SOON.until("the receiver to follow pg2 onto timeline 2",
                            () -> stored.holds("00000002.history") && streamingReplica(pg2, "pgbk"),
                            following::lastFailure);
                    SOON.until("pg1 to stream from pg2", () -> pg1.requireAlive() && streamingReplica(pg2, "pg1"),
                            pg1::logTail);
                    writer.awaitRows(SOON, writer.count() + 200);

                    NavigableSet<Integer> beforeTakeover = new TreeSet<>();
                    PatroniNode leader = pg2;
                    if (hardFailover) {
                        pg2.killHard();
                        SOON.until("pg1 to take over", () -> leaderIs(dcs, "pg1"), pg1::logTail);
                        beforeTakeover = writer.acknowledged(); // pg2 is dead: later rows are pg1's
                        SOON.until("the receiver to follow pg1 onto timeline 3",
                                () -> stored.holds("00000003.history") && streamingReplica(pg1, "pgbk"),
                                following::lastFailure);
                        writer.awaitRows(SOON, writer.count() + 200);
                        leader = pg1;
                    }
                    writer.close();
                    NavigableSet<Integer> acknowledged = writer.acknowledged();

                    String last = queryForString(leader, "SELECT pg_walfile_name(pg_switch_wal())");
                    SOON.until(last + " in the repository", () -> stored.holds(last), () -> stored.names().toString());
                    assertThat(following.stop()).as("the receiver stopped").isTrue();
                    assertThat(following.receiver().gaps()).isEmpty();

                    Lsn end = WalSegmentName.parse(last).startLsn(MIB).plus(MIB.bytes());
                    assertThat(stored.missing(backupStart, end, work.path())).as("segments missing from the repository")
                            .isEmpty();
                    assertThat(stored.names()).contains("00000002.history");

                    Path wal = Files.createDirectory(work.path().resolve("restore-wal"));
                    stored.fetchAll(wal);
                    Set<Integer> restored = WalRestore.recoverAndReadRows(work.path(), work.path().resolve("base"), wal);
                    assertThat(restored).containsAll(beforeSwitchover);
                    if (!hardFailover) {
                        assertThat(restored).containsAll(acknowledged);
                        return;
                    }
                    assertThat(stored.names()).contains("00000003.history");
                    NavigableSet<Integer> afterFailover = new TreeSet<>(acknowledged);
                    afterFailover.removeAll(beforeTakeover);
                    assertThat(restored).containsAll(afterFailover);
                    NavigableSet<Integer> lost = new TreeSet<>(beforeTakeover);
                    lost.removeAll(restored);
                    LOG.info("asynchronous mode, hard failover: {} of {} rows acknowledged before it are lost: {}",
                            lost.size(), beforeTakeover.size(), lost);
                    assertThat(lost).allMatch(n -> n > beforeSwitchover.last());
                }
            }
        }
    }

    private static Optional<String> primaryJdbcUrl(DcsPrimaryLocator locator) {
        try {
            return locator.currentPrimary().map(ClusterMember::connUrl)
                    .map(url -> "jdbc:" + url.replace("postgres://", "postgresql://")
                            + "?user=postgres&connectTimeout=2&socketTimeout=10");
        } catch (RuntimeException dcsBusy) {
            return Optional.empty();
        }
    }
}
