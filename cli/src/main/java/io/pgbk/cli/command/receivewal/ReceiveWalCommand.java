/*
 * `pgbk receive-wal`: the long-running WAL receiver of the backup server. It streams WAL from
 * the primary (found in the DCS, or given as a fixed conninfo) through a replication slot into
 * the spool, and from there into the repository, following failovers and timeline switches,
 * until SIGTERM or SIGINT (exit 0). --create-slot and --drop-slot do only that, on the current
 * primary, and exit. --check (alias --once) looks once, for monitoring: the stream's position
 * against the server's and the gaps recorded in the repository; exit 1 with one line of reason
 * when streaming cannot work or WAL is missing.
 */
package io.pgbk.cli.command.receivewal;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.archive.WalArchive;
import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.error.PgbkException;
import io.pgbk.receiver.ReceiverSettings;
import io.pgbk.receiver.WalReceiver;
import io.pgbk.receiver.conninfo.ConnInfo;
import io.pgbk.receiver.conninfo.PasswordFile;
import io.pgbk.receiver.health.StreamCheck;
import io.pgbk.receiver.replication.ReplicationConnection;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.spool.ArchiveConsumer;
import io.pgbk.receiver.stream.StreamSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

@Command(name = "receive-wal", mixinStandardHelpOptions = true,
        description = {"Stream WAL from the primary into the repository and follow it through failovers, until "
                + "SIGTERM or SIGINT.",
                "The primary comes from a DCS (--primary-from etcd://HOST:PORT/NAMESPACE/SCOPE or consul://...) "
                        + "or is fixed (--db)."})
public final class ReceiveWalCommand implements PgbkCommand {

    private static final Logger log = LoggerFactory.getLogger(ReceiveWalCommand.class);
    /** Silence from the server after which the connection counts as gone (pg_receivewal: wal_receiver_timeout). */
    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--synchronous", description = "Fsync and report every burst of WAL at once, so that the "
            + "receiver can serve as a synchronous standby (list application-name in synchronous_standby_names).")
    private boolean synchronous;

    @Option(names = "--create-slot", description = "Create the replication slot on the current primary and exit.")
    private boolean createSlot;

    @Option(names = "--drop-slot", description = "Drop the replication slot on the current primary and exit.")
    private boolean dropSlot;

    @Option(names = {"--check", "--once"}, description = "Report the stream's position against the primary and the "
            + "WAL gaps recorded in the repository, then exit: 0 when healthy, 1 with the reason (a gap recorded, the "
            + "DCS or the primary unreachable, the slot missing).")
    private boolean check;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(ConfiguredRepository.SETTINGS);
        settings.addAll(List.of(Settings.COMPRESS, Settings.PRIMARY_FROM, Settings.DB, Settings.SLOT,
                Settings.APPLICATION_NAME, Settings.SPOOL_PATH, Settings.STATUS_INTERVAL, Settings.SPOOL_MAX));
        return settings;
    }

    @Override
    public ExitStatus run(CommandContext context) {
        if ((createSlot ? 1 : 0) + (dropSlot ? 1 : 0) + (check ? 1 : 0) > 1) {
            throw new PgbkException("--create-slot, --drop-slot and --check cannot be used together");
        }
        Configuration configuration = context.configuration();
        SlotName slot = new SlotName(configuration.require(Settings.SLOT));
        try (PrimarySource source = PrimarySource.of(configuration, context.clock())) {
            if (createSlot || dropSlot) {
                manageSlot(source, slot, context);
                return ExitStatus.OK;
            }
            try (ConfiguredRepository opened = ConfiguredRepository.open(configuration)) {
                Repository repository = opened.repository();
                ArchiveConsumer consumer = new ArchiveConsumer(
                        new WalArchive(repository, configuration.require(Settings.COMPRESS)), repository);
                ReceiverSettings settings = receiverSettings(configuration, repository, slot, source);
                if (check) {
                    return check(new StreamCheck(settings, source.locator(), consumer, context.environment()), context);
                }
                receive(source, repository, consumer, settings, context);
                return ExitStatus.OK;
            }
        }
    }

    private void manageSlot(PrimarySource source, SlotName slot, CommandContext context) {
        ClusterMember primary = source.locator().currentPrimary()
                .orElseThrow(() -> new PgbkException("no primary is known in " + source + " now"));
        ConnInfo target = ConnInfo.parse(primary.connUrl(), context.environment());
        try (ReplicationConnection connection = ReplicationConnection.open(target,
                PasswordFile.replicationPassword(target, context.environment()),
                context.configuration().require(Settings.APPLICATION_NAME), RECEIVE_TIMEOUT)) {
            if (createSlot) {
                boolean created = connection.createPhysicalSlot(slot);
                context.out().println((created ? "created" : "already exists:") + " replication slot " + slot
                        + " on " + target);
            } else {
                boolean dropped = connection.dropSlot(slot);
                context.out().println((dropped ? "dropped" : "no such slot:") + " replication slot " + slot
                        + " on " + target);
            }
        }
    }

    private ReceiverSettings receiverSettings(Configuration configuration, Repository repository, SlotName slot,
                                              PrimarySource source) {
        return ReceiverSettings.of(configuration.require(Settings.SPOOL_PATH).resolve(repository.clusterName()),
                        Optional.of(slot), repository.clusterInfo().map(ClusterInfo::systemIdentifier))
                .withStream(new StreamSettings(Duration.ofSeconds(configuration.require(Settings.STATUS_INTERVAL)),
                        RECEIVE_TIMEOUT, synchronous))
                .withApplicationName(configuration.require(Settings.APPLICATION_NAME))
                .withPrimaryOnly(source.followsDcs())
                .withSpoolMax(configuration.require(Settings.SPOOL_MAX));
    }

    private static ExitStatus check(StreamCheck streamCheck, CommandContext context) {
        StreamCheck.Report report = streamCheck.run();
        report.lines().forEach(context.out()::println);
        if (report.healthy()) {
            context.out().println("healthy");
            return ExitStatus.OK;
        }
        throw new PgbkException(report.problem().get());
    }

    private void receive(PrimarySource source, Repository repository, ArchiveConsumer consumer,
                         ReceiverSettings settings, CommandContext context) {
        WalReceiver receiver = new WalReceiver(settings, source.locator(), consumer, context.clock(),
                context.environment());
        log.info("receiving WAL from {} into {} (slot {}, {})", source, repository.describe(),
                settings.slot().map(Object::toString).orElse("none"), synchronous ? "synchronous" : "asynchronous");
        try (StopSignals signals = StopSignals.install(receiver::stop)) {
            receiver.run();
        }
    }
}
