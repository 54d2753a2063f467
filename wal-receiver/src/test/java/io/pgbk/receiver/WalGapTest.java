package io.pgbk.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.receiver.locator.FixedPrimaryLocator;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.spool.DirectoryConsumer;
import io.pgbk.receiver.stream.StreamSettings;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WAL that the primary removed before the receiver got it (its slot was dropped while the
 * receiver was away): the receiver records the gap, from where its WAL ends to where the
 * server's begins, and streams on instead of retrying forever.
 */
class WalGapTest {

    private static final WalSegmentSize MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final SlotName SLOT = new SlotName("pgbk_gap");

    @TempDir
    Path temp;

    @Test
    void recordsTheGapWhenTheServerRemovedTheWalItNeedsAndGoesOn() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("gap", PostgresOptions.defaults()
                .withSetting("max_wal_size", "32MB").withSetting("min_wal_size", "2MB"))) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repository"), MIB);
            ReceiverSettings settings = ReceiverSettings.of(temp.resolve("spool"), Optional.of(SLOT), Optional.empty())
                    .withStream(new StreamSettings(Duration.ofMillis(200), Duration.ofSeconds(20), false))
                    .withBackoff(Backoff.between(Duration.ofMillis(100), Duration.ofSeconds(1)));
            FixedPrimaryLocator locator = new FixedPrimaryLocator(primary.conninfo());
            String stored;
            try (RunningReceiver first = new RunningReceiver(
                    new WalReceiver(settings, locator, repository, Clock.systemUTC(), Map.of()))) {
                stored = switchWal(primary);
                await(repository, stored, first);
            }
            primary.execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
            for (int i = 0; i < 4; i++) {
                switchWal(primary);
            }
            primary.execute("CHECKPOINT");
            String needed = WalSegmentName.parse(stored).next(MIB).toString();
            assertThat(primary.queryForLong("SELECT count(*) FROM pg_ls_waldir() WHERE name = '" + needed + "'"))
                    .as(needed + " removed by the checkpoint").isZero();

            try (RunningReceiver second = new RunningReceiver(
                    new WalReceiver(settings, locator, repository, Clock.systemUTC(), Map.of()))) {
                // The receiver resumes at the server's current segment: WAL switched before it has
                // seen the gap would fall into the gap too.
                new Poll(WAIT).until("the receiver to detect the gap", () -> !second.receiver().gaps().isEmpty(),
                        () -> "gaps " + second.receiver().gaps() + ", last failure " + second.receiver().lastFailure());
                String after = switchWal(primary);
                await(repository, after, second);

                assertThat(second.receiver().gaps()).hasSize(1);
                WalGap gap = second.receiver().gaps().get(0);
                assertThat(gap.from().lsn()).isEqualTo(WalSegmentName.parse(needed).startLsn(MIB));
                assertThat(gap.to().lsn()).isGreaterThan(gap.from().lsn());
                assertThat(gap.to().lsn().segmentOffset(MIB)).isZero();
                assertThat(repository.gaps()).containsExactly(gap);
                assertThat(new String(gap.toJson())).contains("\"from_lsn\" : \"" + gap.from().lsn() + "\"");
                assertThat(Files.exists(repository.file(needed))).isFalse();
            }
        }
    }

    /**
     * The slot dropped on the primary while the receiver streams through it (pg_receivewal stops
     * there): the receiver re-creates it; with the WAL still on the primary it goes on without a
     * gap, and with the WAL removed before it came back it records the gap and goes on.
     */
    @Test
    void reCreatesASlotDroppedWhileStreamingAndRecordsAGapOnlyWhenWalWasLost() throws Exception {
        try (PostgresCluster primary = PostgresCluster.startPrimary("gap-drop", PostgresOptions.defaults()
                .withSetting("max_wal_size", "32MB").withSetting("min_wal_size", "2MB"))) {
            DirectoryConsumer repository = new DirectoryConsumer(temp.resolve("repository"), MIB);
            // a reconnection 3 s after a failure leaves the test time to remove WAL in between
            ReceiverSettings settings = ReceiverSettings.of(temp.resolve("spool"), Optional.of(SLOT), Optional.empty())
                    .withStream(new StreamSettings(Duration.ofMillis(200), Duration.ofSeconds(20), false))
                    .withBackoff(Backoff.between(Duration.ofSeconds(3), Duration.ofSeconds(3)));
            try (RunningReceiver receiver = new RunningReceiver(new WalReceiver(settings,
                    new FixedPrimaryLocator(primary.conninfo()), repository, Clock.systemUTC(), Map.of()))) {
                await(repository, switchWal(primary), receiver);
                String restartBefore = restartLsn(primary);

                dropSlotUnderTheReceiver(primary);
                String kept = switchWal(primary);
                await(repository, kept, receiver);
                assertThat(receiver.receiver().gaps()).as("no WAL was lost").isEmpty();
                assertThat(restartLsn(primary)).as("the slot is back").isNotNull();
                assertThat(Lsn.parse(restartLsn(primary))).isGreaterThanOrEqualTo(Lsn.parse(restartBefore));

                dropSlotUnderTheReceiver(primary);
                String needed = primary.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())");
                for (int i = 0; i < 4; i++) {
                    switchWal(primary);
                }
                primary.execute("CHECKPOINT");
                assertThat(primary.queryForLong("SELECT count(*) FROM pg_ls_waldir() WHERE name = '" + needed + "'"))
                        .as(needed + " removed by the checkpoint").isZero();
                String after = switchWal(primary);
                // a background checkpoint may remove `after` as well before the receiver is back:
                // then the gap reaches past it, and streaming goes on from a later segment
                new Poll(WAIT).until("a segment from " + after + " on in the repository",
                        () -> repository.accepted().stream().anyMatch(name -> name.compareTo(after) >= 0),
                        () -> "stored " + repository.accepted() + ", last failure " + receiver.receiver().lastFailure());

                assertThat(receiver.receiver().gaps()).hasSize(1);
                WalGap gap = receiver.receiver().gaps().get(0);
                assertThat(gap.from().lsn()).isGreaterThanOrEqualTo(WalSegmentName.parse(needed).startLsn(MIB));
                assertThat(gap.to().lsn()).isGreaterThan(gap.from().lsn());
                String firstLost = WalSegmentName.from(gap.from().timeline(), gap.from().lsn(), MIB).toString();
                assertThat(Files.exists(repository.file(firstLost))).as(firstLost + " stored").isFalse();
                assertThat(repository.gaps()).containsExactly(gap);
                assertThat(restartLsn(primary)).as("the slot is back").isNotNull();
            }
        }
    }

    private static String restartLsn(PostgresCluster primary) {
        return primary.queryForString("SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'");
    }

    /** Ends the receiver's walsender and drops the slot before the receiver comes back. */
    private static void dropSlotUnderTheReceiver(PostgresCluster primary) {
        primary.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'");
        new Poll(WAIT).until("the slot to be dropped", () -> {
            try {
                primary.execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
                return true;
            } catch (RuntimeException active) {
                return false;
            }
        }, () -> primary.queryForString("SELECT active_pid FROM pg_replication_slots"));
    }

    private static String switchWal(PostgresCluster cluster) {
        cluster.execute("CREATE TABLE IF NOT EXISTS filler (x text)");
        cluster.execute("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 3000) g");
        return cluster.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
    }

    private static void await(DirectoryConsumer repository, String name, RunningReceiver receiver) {
        new Poll(WAIT).until(name + " in the repository", () -> Files.exists(repository.file(name)),
                () -> "stored " + repository.accepted() + ", last failure " + receiver.receiver().lastFailure());
    }
}
