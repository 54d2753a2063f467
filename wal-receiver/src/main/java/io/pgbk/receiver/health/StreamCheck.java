/*
 * `pgbk receive-wal --check`: one look at whether WAL streaming can work and is complete, for
 * monitoring. It asks what the receiver would ask (the locator for the primary, the primary for
 * its identity and the receiver's slot) and reads what the receiver records (the newest stored
 * segment, the gaps under wal-gaps/), then reports the stream's position against the server's.
 *
 * Unhealthy, with the first reason found: a gap recorded in the repository (WAL that no restore
 * can cross), the DCS unreachable, no primary named, the primary unreachable or of another
 * cluster (or in recovery when it comes from a DCS), the slot missing there. A lag is reported,
 * not judged: how much lag matters is the operator's call.
 */
package io.pgbk.receiver.health;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.cluster.PrimaryLocator;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.receiver.ReceiverSettings;
import io.pgbk.receiver.conninfo.ConnInfo;
import io.pgbk.receiver.conninfo.PasswordFile;
import io.pgbk.receiver.replication.ReplicationConnection;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.replication.SlotState;
import io.pgbk.receiver.replication.SystemIdentity;
import io.pgbk.receiver.spool.ArchiveConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public final class StreamCheck {

    /** The lines to show, and why the stream is unhealthy (empty when it is healthy). */
    public record Report(List<String> lines, Optional<String> problem) {

        public boolean healthy() {
            return problem.isEmpty();
        }
    }

    private final ReceiverSettings settings;
    private final PrimaryLocator locator;
    private final ArchiveConsumer repository;
    private final Map<String, String> environment;

    public StreamCheck(ReceiverSettings settings, PrimaryLocator locator, ArchiveConsumer repository,
                       Map<String, String> environment) {
        this.settings = settings;
        this.locator = locator;
        this.repository = repository;
        this.environment = Map.copyOf(environment);
    }

    public Report run() {
        List<String> lines = new ArrayList<>();
        List<WalGap> gaps = repository.recordedGaps();
        gaps.forEach(gap -> lines.add("gap: " + gap + ", detected " + gap.detectedAt() + " on " + gap.server()));
        if (gaps.isEmpty()) {
            lines.add("gaps: none recorded");
        }
        Optional<WalSegmentName> stored = repository.newestStoredSegment();
        lines.add("repository: " + stored.map(segment -> "newest segment " + segment).orElse("no WAL stored yet"));
        Optional<String> problem = serverProblem(lines, stored);
        if (!gaps.isEmpty()) {
            problem = Optional.of(gaps.size() + " WAL gap(s) recorded in the repository, the first " + gaps.get(0)
                    + ": no restore can replay across it (take a new base backup)");
        }
        return new Report(List.copyOf(lines), problem);
    }

    /** Adds what the primary says to lines; the reason it cannot be streamed from, if any. */
    private Optional<String> serverProblem(List<String> lines, Optional<WalSegmentName> stored) {
        Optional<ClusterMember> primary;
        try {
            primary = locator.currentPrimary();
        } catch (PgbkException e) {
            return Optional.of("DCS unreachable: " + e.getMessage());
        }
        if (primary.isEmpty()) {
            return Optional.of("no primary is named now (no leader key?)");
        }
        ConnInfo target = ConnInfo.parse(primary.get().connUrl(), environment);
        try (ReplicationConnection connection = ReplicationConnection.open(target,
                PasswordFile.replicationPassword(target, environment), settings.applicationName(),
                settings.stream().receiveTimeout())) {
            SystemIdentity identity = connection.identifySystem();
            if (settings.expectedSystem().filter(expected -> !expected.equals(identity.systemIdentifier())).isPresent()) {
                return Optional.of("the primary " + target + " belongs to system " + identity.systemIdentifier()
                        + ", not the repository's " + settings.expectedSystem().get());
            }
            if (settings.primaryOnly() && connection.inRecovery()) {
                return Optional.of("the node named as primary, " + target + ", is in recovery");
            }
            WalSegmentSize size = connection.walSegmentSize();
            lines.add("primary: " + primary.get().name() + " (" + target + "), timeline " + identity.timeline().value()
                    + ", WAL flushed to " + identity.flushPosition());
            stored.ifPresent(segment -> lines.add("behind: " + Math.max(0, identity.flushPosition()
                    .minus(segment.startLsn(size).plus(size.bytes()))) + " bytes of WAL not in the repository"));
            if (settings.slot().isEmpty()) {
                return Optional.empty();
            }
            SlotName slot = settings.slot().get();
            Optional<SlotState> state = connection.readReplicationSlot(slot);
            if (state.isEmpty()) {
                return Optional.of("replication slot " + slot + " does not exist on the primary " + target);
            }
            lines.add("slot " + slot + ": restart_lsn " + state.get().restartLsn());
            return Optional.empty();
        } catch (PgbkException e) {
            return Optional.of("primary unreachable: " + e.getMessage());
        }
    }
}
