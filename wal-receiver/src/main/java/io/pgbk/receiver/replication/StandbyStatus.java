/*
 * The standby status update ('r') a receiver sends in the replication stream: how far it has
 * written, flushed and applied WAL, its clock, and whether it wants a keepalive back. The
 * server keeps WAL for a physical slot, and releases commits waiting for a synchronous
 * standby, according to the flushed position; so flushed must never claim more than is
 * durable. A receiver that applies nothing reports Lsn.INVALID as applied, as pg_receivewal does.
 */
package io.pgbk.receiver.replication;

import io.pgbk.core.wal.Lsn;

import java.nio.ByteBuffer;

public record StandbyStatus(Lsn written, Lsn flushed, Lsn applied, PgTimestamp clock, boolean replyRequested) {

    private static final int LENGTH = 1 + 8 + 8 + 8 + 8 + 1;

    public byte[] encode() {
        return ByteBuffer.allocate(LENGTH)
                .put((byte) 'r')
                .putLong(written.value())
                .putLong(flushed.value())
                .putLong(applied.value())
                .putLong(clock.microsSince2000())
                .put((byte) (replyRequested ? 1 : 0))
                .array();
    }
}
