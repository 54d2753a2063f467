package io.pgbk.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.receiver.gap.WalGap;
import io.pgbk.receiver.locator.FixedPrimaryLocator;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.spool.DirectoryConsumer;
import io.pgbk.receiver.stream.StreamSettings;
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

    private static String switchWal(PostgresCluster cluster) {
        cluster.execute("CREATE TABLE IF NOT EXISTS filler (x text)");
        cluster.execute("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 3000) g");
        return cluster.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
    }

    private static void await(DirectoryConsumer repository, String name, RunningReceiver receiver) {
        Eventually.await(name + " in the repository", WAIT, () -> Files.exists(repository.file(name)),
                () -> "stored " + repository.accepted() + ", last failure " + receiver.receiver().lastFailure());
    }
}
