/*
 * How a stream-mode backup runs PostgreSQL's pg_basebackup: pgjdbc cannot speak BASE_BACKUP (the
 * result sets before the copy data break it), so the installed client does the protocol and pgbk
 * reads the tar it writes to stdout. The password goes to the child's environment (PGPASSWORD),
 * never on its command line, where any user of the host could read it.
 */
package io.pgbk.core.backup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * @param binDirectory where pg_basebackup is (pg_config --bindir, or the pg-bin setting)
 * @param conninfo     a libpq connection string for the node, without a password
 * @param password     the password for it, if it needs one
 */
public record BaseBackupCommand(Path binDirectory, String conninfo, Optional<String> password) {

    /** pg_basebackup writing one tar to stdout, without WAL (the repository has it) and without verifying pages (pgbk does). */
    ProcessBuilder processBuilder(String label) {
        List<String> command = new ArrayList<>(List.of(binDirectory.resolve("pg_basebackup").toString(),
                "--dbname=" + conninfo, "--pgdata=-", "--format=tar", "--wal-method=none", "--checkpoint=fast",
                "--label=" + label, "--no-verify-checksums", "--manifest-checksums=NONE"));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        environment.remove("PGPASSWORD");
        password.ifPresent(value -> environment.put("PGPASSWORD", value));
        return builder;
    }

    @Override
    public String toString() {
        return "pg_basebackup in " + binDirectory + " to " + conninfo;
    }
}
