package io.pgbk.cli.command.receivewal;

import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.ha.dcs.DcsPrimaryLocator;
import io.pgbk.receiver.Backoff;
import io.pgbk.receiver.ReceiverSettings;
import io.pgbk.receiver.WalReceiver;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.spool.ArchiveConsumer;
import io.pgbk.receiver.stream.StreamSettings;
import io.pgbk.storage.ObjectStore;
import io.pgbk.testkit.patroni.PatroniNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * pgbk's receiver as the Patroni tests run it: following the leader through the DCS (primary
 * only, Patroni's permanent slot, short backoff) into the repository "main" of a store, on its own
 * thread until stopped. ArchivedWal is the test's view of what it stored.
 */
final class FollowingReceiver implements AutoCloseable {

    private final WalReceiver receiver;
    private final Thread thread;
    private final ArchivedWal stored;

    private FollowingReceiver(WalReceiver receiver, ArchivedWal stored) {
        this.receiver = receiver;
        this.stored = stored;
        this.thread = new Thread(receiver, "pgbk-receiver");
    }

    static FollowingReceiver start(DcsPrimaryLocator locator, ObjectStore store, Path spool, boolean synchronous,
                                   WalSegmentSize segmentSize) {
        Repository repository = Repository.open(store, "main");
        WalArchive archive = new WalArchive(repository, Compression.DEFAULT);
        ReceiverSettings settings = ReceiverSettings.of(spool, Optional.of(new SlotName(PatroniNode.SLOT)), Optional.empty())
                .withStream(new StreamSettings(Duration.ofMillis(200), Duration.ofSeconds(10), synchronous))
                .withBackoff(Backoff.between(Duration.ofMillis(200), Duration.ofSeconds(2)))
                .withPrimaryOnly(true);
        FollowingReceiver following = new FollowingReceiver(new WalReceiver(settings, locator,
                new ArchiveConsumer(archive, repository), Clock.systemUTC(), Map.of("PGUSER", "postgres")),
                new ArchivedWal(repository, archive, segmentSize));
        following.thread.start();
        return following;
    }

    WalReceiver receiver() {
        return receiver;
    }

    ArchivedWal stored() {
        return stored;
    }

    /** The receiver's latest failure, for a test's diagnostics. */
    String lastFailure() {
        return receiver.lastFailure().orElse("");
    }

    /** Stops the receiver; true once its thread has ended. */
    boolean stop() throws InterruptedException {
        receiver.stop();
        thread.join(30_000);
        return !thread.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
