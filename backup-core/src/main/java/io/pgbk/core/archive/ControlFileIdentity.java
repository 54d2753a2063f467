/*
 * The system identifier of a data directory, read from global/pg_control, whose first field it
 * is (ControlFileData.system_identifier, in the byte order of the machine that wrote it, which
 * is this one). The spools are tied to it, so that their files serve only the cluster they were
 * made for; bin/pgbk reads the same 8 bytes with od.
 */
package io.pgbk.core.archive;

import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

public final class ControlFileIdentity {

    private ControlFileIdentity() {
    }

    public static SystemIdentifier of(Path dataDirectory) {
        return new SystemIdentifier(head(dataDirectory, Long.BYTES).getLong());
    }

    /** The first bytes of the data directory's pg_control, in this machine's byte order. */
    static ByteBuffer head(Path dataDirectory, int bytes) {
        Path controlFile = dataDirectory.resolve("global/pg_control");
        try (FileChannel channel = FileChannel.open(controlFile, StandardOpenOption.READ)) {
            ByteBuffer first = ByteBuffer.allocate(bytes).order(ByteOrder.nativeOrder());
            while (first.hasRemaining() && channel.read(first) > 0) {
                // a regular file returns short reads only at its end
            }
            if (first.hasRemaining()) {
                throw new PgbkException(controlFile + " is too short to be a PostgreSQL control file");
            }
            return first.flip();
        } catch (IOException e) {
            throw new PgbkException("cannot read " + controlFile + ": " + e.getMessage(), e);
        }
    }
}
