/*
 * What check needs to know about the PostgreSQL server, read in one session: who it is and how
 * it archives.
 */
package io.pgbk.core.check;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * @param replayLsn on a standby, the last replayed LSN; on a primary the current insert LSN
 */
record ServerFacts(SystemIdentifier systemIdentifier, int majorVersion, boolean inRecovery, String archiveMode,
        String archiveCommand, int timeline, Lsn replayLsn) {

    static ServerFacts read(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT (SELECT system_identifier FROM pg_control_system()), "
                     + "current_setting('server_version_num')::int / 10000, pg_is_in_recovery(), "
                     + "current_setting('archive_mode'), current_setting('archive_command'), "
                     + "(SELECT timeline_id FROM pg_control_checkpoint()), "
                     + "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() "
                     + "END")) {
            row.next();
            return new ServerFacts(SystemIdentifier.parse(row.getString(1)), row.getInt(2), row.getBoolean(3),
                    row.getString(4), row.getString(5), row.getInt(6),
                    row.getString(7) == null ? Lsn.INVALID : Lsn.parse(row.getString(7)));
        }
    }
}
