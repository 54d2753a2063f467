/*
 * A look at the next message the server has sent, without consuming it.
 *
 * pgjdbc runs the replication stream as a COPY BOTH operation but gives no public way to wait for
 * the next message with a time limit, nor to see a CopyDone coming: its copy reader consumes a
 * CopyDone and then blocks for the server's next message, which the server only sends after our
 * own CopyDone, so the end of a timeline would hang forever. A socket timeout is no way out
 * either: pgjdbc abandons the copy operation when one fires inside its reader.
 *
 * So this class reaches pgjdbc's PGStream (pgbk's only reflective access, checked once when
 * a connection opens) and peeks at the type byte of the next message under a socket timeout. A
 * peek that times out has consumed nothing and leaves the connection as it was.
 *
 * "Has a message arrived?" reads the stream's input buffer (PGStream's pgInput, reached the same
 * way): its available() counts buffered bytes, else asks the socket (FIONREAD), and never waits.
 * PGStream.hasMessagePending() would do the same and then, when nothing is there, wait up to a
 * millisecond for a byte (its rate limit is skipped when that wait times out, in pgjdbc 42.7), and
 * a synchronous receiver asks that after every burst of WAL: a millisecond added to every commit
 * that waits for it (strace: poll(..., 1) = 0 before each fdatasync).
 */
package io.pgbk.receiver.replication;

import io.pgbk.error.PgbkException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.OptionalInt;

public final class IncomingMessages {

    /** The message type bytes the stream can meet (PostgreSQL protocol, backend messages). */
    public static final int COPY_DONE = 'c';
    public static final int COMMAND_COMPLETE = 'C';

    private final PGStream stream;
    private final InputStream buffered;
    private final int readTimeoutMillis;

    private IncomingMessages(PGStream stream, InputStream buffered, int readTimeoutMillis) {
        this.stream = stream;
        this.buffered = buffered;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /**
     * Attaches to the connection's stream. readTimeout bounds how long the body of a message may
     * take to arrive once its first byte has: a server that stalls mid-message is a dead server.
     */
    public static IncomingMessages of(BaseConnection connection, Duration readTimeout) {
        try {
            Field field = QueryExecutorBase.class.getDeclaredField("pgStream");
            field.setAccessible(true);
            PGStream stream = (PGStream) field.get(connection.getQueryExecutor());
            Field input = PGStream.class.getDeclaredField("pgInput");
            input.setAccessible(true);
            IncomingMessages messages = new IncomingMessages(stream, (InputStream) input.get(stream),
                    Math.toIntExact(Math.max(1, readTimeout.toMillis())));
            messages.stream.setNetworkTimeout(messages.readTimeoutMillis);
            return messages;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this pgjdbc version hides the PGStream that the WAL receiver needs", e);
        } catch (IOException e) {
            throw new PgbkException("replication connection failed: " + e.getMessage(), e);
        }
    }

    /**
     * True when bytes of a next message are already here (in pgjdbc's buffer or the socket's), so
     * that reading it will not wait; asks the kernel, does not wait for the network.
     */
    public boolean pending() throws IOException {
        return buffered.available() > 0;
    }

    /**
     * The type of the next message once one has begun to arrive, or empty when none did within
     * wait (at least a millisecond: a socket timeout of zero would mean forever).
     */
    public OptionalInt peek(Duration wait) throws IOException {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, wait.toMillis()));
        stream.setNetworkTimeout(millis);
        try {
            return OptionalInt.of(stream.peekChar());
        } catch (SocketTimeoutException e) {
            return OptionalInt.empty();
        } finally {
            stream.setNetworkTimeout(readTimeoutMillis);
        }
    }
}
