/*
 * One START_REPLICATION ... PHYSICAL ... TIMELINE n in progress: the COPY BOTH stream in which
 * the server sends WAL and keepalives and the receiver sends status updates.
 *
 * The stream ends in one of three ways. At the end of a historic timeline the server sends
 * CopyDone; we answer with our own CopyDone (endCopy), pgjdbc drains the next-timeline result
 * set and the CommandComplete, and the connection is ready for the next command. When we stop,
 * finish() sends our CopyDone first. A server that shuts down sends CommandComplete without a
 * CopyDone and closes the connection; that is a failure the caller recovers from by reconnecting.
 *
 * pgjdbc's copy reader is used for whole messages only, after IncomingMessages has seen one
 * begin, so it never blocks waiting for a message the server will not send.
 */
package io.pgbk.receiver.replication;

import org.postgresql.copy.CopyDual;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

public final class ReplicationStream {

    private final CopyDual copy;
    private final IncomingMessages incoming;
    private final String description;
    private boolean ended;

    ReplicationStream(CopyDual copy, IncomingMessages incoming, String description) {
        this.copy = copy;
        this.incoming = incoming;
        this.description = description;
    }

    /**
     * The next message, waiting at most wait for one to begin; empty when none came (or when
     * what came was a notice, which pgjdbc records as a warning).
     */
    public Optional<StreamMessage> next(Duration wait) {
        if (ended) {
            return Optional.of(new StreamMessage.EndOfStream());
        }
        try {
            OptionalInt type = incoming.peek(wait);
            if (type.isEmpty()) {
                return Optional.empty();
            }
            switch (type.getAsInt()) {
                case IncomingMessages.COPY_DONE:
                    ended = true;
                    copy.endCopy();
                    return Optional.of(new StreamMessage.EndOfStream());
                case IncomingMessages.COMMAND_COMPLETE:
                    ended = true;
                    throw new ReplicationFailure(description + ": the server ended the stream (is it shutting down?)");
                default:
                    byte[] payload = copy.readFromCopy(false);
                    return payload == null ? Optional.empty() : Optional.of(StreamMessage.decode(payload));
            }
        } catch (IOException | SQLException e) {
            ended = true;
            throw ReplicationFailure.of(description, e);
        }
    }

    /** True when the next message has already arrived: reading it will not wait. */
    public boolean hasPending() {
        if (ended) {
            return false;
        }
        try {
            return incoming.pending();
        } catch (IOException e) {
            ended = true;
            throw ReplicationFailure.of(description, e);
        }
    }

    public void send(StandbyStatus status) {
        byte[] message = status.encode();
        try {
            copy.writeToCopy(message, 0, message.length);
            copy.flushCopy();
        } catch (SQLException e) {
            ended = true;
            throw ReplicationFailure.of(description + ": cannot send a status update", e);
        }
    }

    /** Ends the stream from our side; the connection can run commands again afterwards. */
    public void finish() {
        if (ended) {
            return;
        }
        ended = true;
        try {
            copy.endCopy();
        } catch (SQLException e) {
            throw ReplicationFailure.of(description + ": cannot end the stream", e);
        }
    }
}
