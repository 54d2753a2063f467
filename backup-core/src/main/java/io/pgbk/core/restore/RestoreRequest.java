/*
 * What a user asks of a restore, as parsed from the command line: where, from which backup
 * (an id, "latest", or empty to choose by the target), the recovery to configure, what may
 * happen to existing files, tablespace relocations, parallelism, and the OS user that will run
 * PostgreSQL on the result (empty: see FileOwner).
 */
package io.pgbk.core.restore;

import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.error.PgbkException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

public record RestoreRequest(Path dataDirectory, Optional<String> backup, RecoveryConfiguration recovery,
        RestoreMode mode, Map<Long, Path> tablespaceMap, int jobs, Optional<String> owner) {

    public RestoreRequest {
        tablespaceMap = Map.copyOf(tablespaceMap);
        if (jobs < 1) {
            throw new PgbkException("jobs must be at least 1, not " + jobs);
        }
        tablespaceMap.values().forEach(location -> {
            if (!location.isAbsolute()) {
                throw new PgbkException("tablespace location " + location + " must be an absolute path");
            }
        });
    }
}
