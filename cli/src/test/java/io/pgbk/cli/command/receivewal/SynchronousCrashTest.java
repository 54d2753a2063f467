package io.pgbk.cli.command.receivewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.receiver.Backoff;
import io.pgbk.receiver.ReceiverSettings;
import io.pgbk.receiver.WalReceiver;
import io.pgbk.receiver.locator.FixedPrimaryLocator;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.spool.ArchiveConsumer;
import io.pgbk.receiver.stream.StreamSettings;
import io.pgbk.storage.local.LocalObjectStore;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero data loss in synchronous mode: pgbk is the primary's only synchronous standby
 * (synchronous_standby_names = 'pgbk', synchronous_commit = on), a writer commits rows, and the
 * primary is killed (immediate shutdown) after a random number of them. A base backup taken at
 * the start, recovered with nothing but the WAL pgbk kept, holds every row whose COMMIT returned.
 *
 * The WAL after the last complete segment is in pgbk's spool as the segment's .partial, fsynced
 * before pgbk reported it flushed; it reaches the repository when the timeline ends (a new
 * primary), so with the only primary dead the restore takes it from the spool, as one would take
 * pg_receivewal's .partial.
 */
class SynchronousCrashTest {

    private static final Logger LOG = LoggerFactory.getLogger(SynchronousCrashTest.class);
    private static final Poll SOON = new Poll(Duration.ofSeconds(60));
    private static final WalSegmentSize MIB = WalSegmentSize.ofBytes(1024 * 1024);
    private static final int FEWEST_ROWS = 200;

    @Test
    void everyAcknowledgedCommitSurvivesAKilledPrimary() throws Exception {
        ServiceUser user = ServiceUser.forServers();
        try (TempDirectory work = user.createDirectory("sync-crash");
             PostgresCluster primary = PostgresCluster.startPrimary("sync-crash", PostgresOptions.defaults()
                     .withWalSegmentSizeMb(1)
                     .withSetting("synchronous_standby_names", "pgbk")
                     .withSetting("synchronous_commit", "on"));
             LocalObjectStore store = new LocalObjectStore(work.path().resolve("repository"))) {
            Repository repository = Repository.open(store, "main");
            WalArchive archive = new WalArchive(repository, Compression.DEFAULT);
            Path spool = work.path().resolve("spool");
            ReceiverSettings settings = ReceiverSettings.of(spool, Optional.of(new SlotName("pgbk")), Optional.empty())
                    .withStream(new StreamSettings(Duration.ofSeconds(1), Duration.ofSeconds(10), true))
                    .withBackoff(Backoff.between(Duration.ofMillis(200), Duration.ofSeconds(1)));
            WalReceiver receiver = new WalReceiver(settings, new FixedPrimaryLocator(primary.conninfo()),
                    new ArchiveConsumer(archive, repository), Clock.systemUTC(), Map.of());
            Thread receiving = new Thread(receiver, "pgbk-receiver");
            receiving.start();
            NavigableSet<Integer> acknowledged;
            try {
                SOON.until("pgbk to be the synchronous standby", () -> primary.queryForLong(
                        "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pgbk' AND sync_state = 'sync'") == 1,
                        () -> receiver.lastFailure().orElse(""));
                primary.execute(RowWriter.TABLE);
                WalRestore.baseBackup(primary.port(), work.path().resolve("base"), work.path());
                int crashAfter = ThreadLocalRandom.current().nextInt(FEWEST_ROWS, 1500);
                try (RowWriter writer = RowWriter.start(() -> Optional.of(primary.jdbcUrl("postgres")))) {
                    SOON.until(crashAfter + " acknowledged rows", () -> writer.count() >= crashAfter, writer::lastError);
                    primary.crash();
                    acknowledged = writer.acknowledged();
                }
            } finally {
                receiver.stop();
                receiving.join(Duration.ofSeconds(60).toMillis());
            }
            assertThat(receiving.isAlive()).as("the receiver stopped").isFalse();

            Path wal = Files.createDirectory(work.path().resolve("restore-wal"));
            new ArchivedWal(repository, archive, MIB).fetchAll(wal);
            List<Path> partials;
            try (Stream<Path> files = Files.list(spool)) {
                partials = files.filter(file -> file.getFileName().toString().endsWith(".partial")).toList();
            }
            for (Path partial : partials) {
                String segment = partial.getFileName().toString().replace(".partial", "");
                Files.copy(partial, wal.resolve(segment), StandardCopyOption.REPLACE_EXISTING);
            }
            Set<Integer> restored = WalRestore.recoverAndReadRows(work.path(), work.path().resolve("base"), wal);
            LOG.info("killed the primary after {} acknowledged rows; the restore holds {} rows ({} partial segment(s) "
                    + "from the spool)", acknowledged.size(), restored.size(), partials.size());
            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(FEWEST_ROWS);
            assertThat(restored).containsAll(acknowledged);
        }
    }
}
