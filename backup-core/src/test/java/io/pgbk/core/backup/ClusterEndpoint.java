package io.pgbk.core.backup;

import io.pgbk.testkit.postgres.PostgresCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** A test cluster as the engine sees a server; sessions are named "pgbk" so the primary's pg_stat_activity shows them. */
record ClusterEndpoint(PostgresCluster cluster) implements DatabaseEndpoint {

    static final String APPLICATION = "pgbk";

    @Override
    public Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("ApplicationName", APPLICATION);
        properties.setProperty("assumeMinServerVersion", "10"); // application_name in the startup packet, no SET
        return DriverManager.getConnection(cluster.jdbcUrl("postgres"), properties);
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
