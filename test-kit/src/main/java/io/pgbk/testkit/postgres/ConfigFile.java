package io.pgbk.testkit.postgres;

import io.pgbk.testkit.os.ServiceUser;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A configuration file in a data directory ({@code postgresql.conf}, {@code pg_hba.conf},
 * {@code standby.signal}). Every change replaces the file the crash-safe way (temporary name, fsync,
 * rename, fsync of the directory) so a test that crashes the server never finds half a file, and
 * hands it to the server's OS user. Settings are appended, not edited in place: PostgreSQL takes
 * the last occurrence of a name, and the file keeps a history of what the test changed.
 */
record ConfigFile(Path path, ServiceUser owner) {

    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_.]*");

    /** Appends {@code name = 'value'} lines; values are quoted, so callers pass them plain. */
    void append(String why, Map<String, String> settings) {
        StringBuilder text = new StringBuilder(read()).append("\n# ").append(why).append('\n');
        settings.forEach((name, value) -> {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a PostgreSQL setting name: '" + name + "'");
            }
            text.append(name).append(" = '").append(value.replace("'", "''")).append("'\n");
        });
        replace(text.toString());
    }

    void replace(String content) {
        Path directory = path.toAbsolutePath().getParent();
        try {
            Path temporary = Files.createTempFile(directory, "." + path.getFileName(), ".tmp");
            try {
                try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE);
                     OutputStream out = Channels.newOutputStream(channel)) {
                    out.write(content.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    channel.force(true);
                }
                owner.takeOwnership(temporary);
                Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
            try (FileChannel directoryChannel = FileChannel.open(directory, StandardOpenOption.READ)) {
                directoryChannel.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    private String read() {
        try {
            return Files.readString(path);
        } catch (NoSuchFileException missing) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
