/*
 * A PostgreSQL server the backup engine talks to over JDBC: the node whose files it copies, and
 * the primary it asks for a WAL switch. backup-core does not parse connection strings (the cli
 * does, with the libpq environment and password file), it only needs to open sessions and name
 * the server in messages without a password.
 */
package io.pgbk.core.backup;

import java.sql.Connection;
import java.sql.SQLException;

public interface DatabaseEndpoint {

    Connection connect() throws SQLException;

    /** "host:port", for messages and the manifest: never a password. */
    String host();

    int port();

    default String describe() {
        return host() + ":" + port();
    }
}
