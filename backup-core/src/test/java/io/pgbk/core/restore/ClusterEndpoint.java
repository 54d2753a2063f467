package io.pgbk.core.restore;

import io.pgbk.core.backup.DatabaseEndpoint;
import io.pgbk.testkit.postgres.PostgresCluster;
import java.sql.Connection;
import java.sql.SQLException;

/** A test cluster as the backup engine's endpoint. */
record ClusterEndpoint(PostgresCluster cluster) implements DatabaseEndpoint {

    @Override
    public Connection connect() throws SQLException {
        return cluster.connect();
    }

    @Override
    public String host() {
        return cluster.host();
    }

    @Override
    public int port() {
        return cluster.port();
    }
}
