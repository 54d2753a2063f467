/*
 * What READ_REPLICATION_SLOT says of an existing physical slot: the oldest WAL the server keeps
 * for it and that position's timeline. A slot created without RESERVE_WAL that nobody has
 * streamed from yet has no restart position (Lsn.INVALID).
 */
package io.pgbk.receiver.replication;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;

import java.util.Optional;

public record SlotState(SlotName name, Lsn restartLsn, Optional<TimelineId> restartTimeline) {
}
