/*
 * What the server sends inside the COPY BOTH stream of START_REPLICATION ... PHYSICAL: WAL data
 * ('w'), keepalives ('k'), and, as the end of the copy, the end of the timeline being streamed.
 * Each CopyData payload starts with its one-byte kind followed by big-endian fields.
 */
package io.pgbk.receiver.replication;

import io.pgbk.core.wal.Lsn;
import io.pgbk.error.PgbkException;

import java.nio.ByteBuffer;

public sealed interface StreamMessage permits StreamMessage.XLogData, StreamMessage.Keepalive, StreamMessage.EndOfStream {

    /** WAL bytes that belong at walStart; walEnd is how far the server's WAL reaches. */
    record XLogData(Lsn walStart, Lsn walEnd, PgTimestamp sendTime, ByteBuffer data) implements StreamMessage {

        public Lsn dataEnd() {
            return walStart.plus(data.remaining());
        }
    }

    /** The server is alive; when replyRequested it wants a status update now (or it times us out). */
    record Keepalive(Lsn walEnd, PgTimestamp sendTime, boolean replyRequested) implements StreamMessage {
    }

    /** The server finished the copy: the timeline ended (or the stream was ended by us). */
    record EndOfStream() implements StreamMessage {
    }

    static StreamMessage decode(byte[] payload) {
        ByteBuffer buffer = ByteBuffer.wrap(payload);
        if (!buffer.hasRemaining()) {
            throw new PgbkException("empty message in the replication stream");
        }
        byte kind = buffer.get();
        switch (kind) {
            case 'w':
                requireLength(buffer, 24, "WAL data");
                Lsn start = new Lsn(buffer.getLong());
                Lsn end = new Lsn(buffer.getLong());
                PgTimestamp sent = new PgTimestamp(buffer.getLong());
                return new XLogData(start, end, sent, buffer.slice().asReadOnlyBuffer());
            case 'k':
                requireLength(buffer, 17, "keepalive");
                return new Keepalive(new Lsn(buffer.getLong()), new PgTimestamp(buffer.getLong()), buffer.get() != 0);
            default:
                throw new PgbkException("unexpected message of kind '" + (char) kind + "' in the replication stream");
        }
    }

    private static void requireLength(ByteBuffer buffer, int length, String what) {
        if (buffer.remaining() < length) {
            throw new PgbkException("truncated " + what + " message in the replication stream: "
                    + buffer.remaining() + " bytes after its kind, expected at least " + length);
        }
    }
}
