/*
 * The answer to IDENTIFY_SYSTEM: which cluster the server belongs to, the timeline it is on now,
 * and how far its WAL is flushed (on a standby: how far it has received and written).
 */
package io.pgbk.receiver.replication;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;

public record SystemIdentity(SystemIdentifier systemIdentifier, TimelineId timeline, Lsn flushPosition) {
}
