/*
 * libpq's password file (~/.pgpass, or the file PGPASSFILE or the passfile keyword names):
 * lines of hostname:port:database:username:password where any of the first four may be "*",
 * and ":" or "\" inside a field is escaped with "\". The first matching line wins. For a
 * physical replication connection the database field to match is "replication", as in libpq.
 *
 * Like libpq, a file that its group or others may read is ignored (with a warning that names the
 * file, never its content): a password file anyone can read is a leak, not a configuration.
 */
package io.pgbk.receiver.conninfo;

import io.pgbk.error.PgbkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

public final class PasswordFile {

    private static final Logger LOG = LoggerFactory.getLogger(PasswordFile.class);
    private static final Set<PosixFilePermission> TOO_OPEN = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path file;

    public PasswordFile(Path file) {
        this.file = file;
    }

    /**
     * The password for a physical replication connection, looked up in libpq's order: the
     * conninfo itself, PGPASSWORD, the password file (database field "replication").
     */
    public static Optional<String> replicationPassword(ConnInfo target, Map<String, String> environment) {
        if (target.password().isPresent()) {
            return target.password();
        }
        String fromEnvironment = environment.get("PGPASSWORD");
        if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
            return Optional.of(fromEnvironment);
        }
        return forConnection(target, environment).passwordFor(target.host(), target.port(), "replication", target.user());
    }

    /** The file libpq would read: the passfile keyword, else PGPASSFILE, else ~/.pgpass. */
    public static PasswordFile forConnection(ConnInfo target, Map<String, String> environment) {
        String named = target.option("passfile").orElse(environment.get("PGPASSFILE"));
        Path file = named != null && !named.isEmpty()
                ? Path.of(named)
                : Path.of(System.getProperty("user.home"), ".pgpass");
        return new PasswordFile(file);
    }

    /** The password of the first line matching the target; empty when none does or the file is unusable. */
    public Optional<String> passwordFor(String host, int port, String database, String user) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(TOO_OPEN::contains)) {
                LOG.warn("password file {} has group or world access; permissions should be u=rw (0600) or less: ignored", file);
                return Optional.empty();
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> fields = split(line);
                if (fields.size() == 5
                        && matches(fields.get(0), host)
                        && matches(fields.get(1), Integer.toString(port))
                        && matches(fields.get(2), database)
                        && matches(fields.get(3), user)) {
                    return Optional.of(fields.get(4));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new PgbkException("cannot read password file " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean matches(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value);
    }

    /** Splits on unescaped ":" into at most five fields; the last field takes the rest of the line. */
    private static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                field.append(line.charAt(++i));
            } else if (c == ':' && fields.size() < 4) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
