/*
 * What a WAL receiver is told by its configuration.
 *   spool            the local directory where WAL becomes segment files
 *   slot             the physical replication slot to stream through (recommended: without one
 *                    the primary may recycle WAL the receiver has not stored)
 *   createSlot       create the slot on a primary that lacks it (with RESERVE_WAL)
 *   expectedSystem   the cluster's system identifier (from the repository); a server of another
 *                    cluster is refused. Empty: the first server seen sets it for this run
 *   applicationName  the name in pg_stat_replication and synchronous_standby_names
 *   primaryOnly      refuse a server in recovery: right when a DCS names "the primary" (a node
 *                    named there that is still or again a standby must not be followed), wrong
 *                    for an operator who deliberately points --db at a standby (cascading)
 *   spoolMax         WAL the spool may hold that the repository has not taken; past it the
 *                    receiver stops receiving (the slot keeps the WAL on the primary) and raises
 *                    an alarm until the repository catches up
 */
package io.pgbk.receiver;

import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.receiver.replication.SlotName;
import io.pgbk.receiver.spool.SpoolLimit;
import io.pgbk.receiver.stream.StreamSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

public record ReceiverSettings(Path spool, Optional<SlotName> slot, boolean createSlot,
                               Optional<SystemIdentifier> expectedSystem, String applicationName,
                               StreamSettings stream, Backoff backoff, boolean primaryOnly,
                               SpoolLimit spoolMax) {

    public static ReceiverSettings of(Path spool, Optional<SlotName> slot, Optional<SystemIdentifier> expectedSystem) {
        return new ReceiverSettings(spool, slot, true, expectedSystem, "pgbk", StreamSettings.DEFAULT,
                Backoff.between(Duration.ofSeconds(1), Duration.ofSeconds(30)), false, SpoolLimit.DEFAULT);
    }

    public ReceiverSettings withStream(StreamSettings settings) {
        return new ReceiverSettings(spool, slot, createSlot, expectedSystem, applicationName, settings, backoff, primaryOnly, spoolMax);
    }

    public ReceiverSettings withBackoff(Backoff retry) {
        return new ReceiverSettings(spool, slot, createSlot, expectedSystem, applicationName, stream, retry, primaryOnly, spoolMax);
    }

    public ReceiverSettings withApplicationName(String name) {
        return new ReceiverSettings(spool, slot, createSlot, expectedSystem, name, stream, backoff, primaryOnly, spoolMax);
    }

    public ReceiverSettings withSpoolMax(SpoolLimit limit) {
        return new ReceiverSettings(spool, slot, createSlot, expectedSystem, applicationName, stream, backoff, primaryOnly,
                limit);
    }

    public ReceiverSettings withPrimaryOnly(boolean only) {
        return new ReceiverSettings(spool, slot, createSlot, expectedSystem, applicationName, stream, backoff, only, spoolMax);
    }
}
