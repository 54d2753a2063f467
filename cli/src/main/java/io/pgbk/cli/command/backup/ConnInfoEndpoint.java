/*
 * A server named by a libpq connection string, opened with pgjdbc: the conninfo's own values,
 * then the libpq environment (PGHOST, PGPORT...), and the password from the conninfo,
 * PGPASSWORD or the password file, in libpq's order, so an operator's psql setup works as is.
 * The password never leaves this object but into a pg_basebackup child's environment (stream
 * mode): messages name the server by host and port, a child's command line has no password.
 */
package io.pgbk.cli.command.backup;

import io.pgbk.core.backup.BaseBackupCommand;
import io.pgbk.core.backup.DatabaseEndpoint;
import io.pgbk.receiver.conninfo.ConnInfo;
import io.pgbk.receiver.conninfo.PasswordFile;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.Driver;

public final class ConnInfoEndpoint implements DatabaseEndpoint {

    private static final String APPLICATION_NAME = "pgbk";
    private static final Map<String, String> DRIVER_PROPERTIES = Map.of(
            "sslmode", "sslmode", "sslrootcert", "sslrootcert", "sslcert", "sslcert", "sslkey", "sslkey",
            "connect_timeout", "connectTimeout");

    private final ConnInfo target;
    private final Optional<String> password;

    private ConnInfoEndpoint(ConnInfo target, Optional<String> password) {
        this.target = target;
        this.password = password;
    }

    public static ConnInfoEndpoint of(String conninfo, Map<String, String> environment) {
        ConnInfo target = ConnInfo.parse(conninfo, environment);
        Optional<String> password = target.password()
                .or(() -> Optional.ofNullable(environment.get("PGPASSWORD")).filter(value -> !value.isEmpty()))
                .or(() -> PasswordFile.forConnection(target, environment)
                        .passwordFor(target.host(), target.port(), target.dbname(), target.user()));
        return new ConnInfoEndpoint(target, password);
    }

    @Override
    public Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", target.user());
        password.ifPresent(value -> properties.setProperty("password", value));
        properties.setProperty("ApplicationName", target.option("application_name").orElse(APPLICATION_NAME));
        properties.setProperty("tcpKeepAlive", "true");
        // the application name goes in the startup packet instead of a SET: on the primary, a
        // standby backup's session then runs pg_switch_wal() (and, rarely, a WAL message) and nothing else
        properties.setProperty("assumeMinServerVersion", "10");
        DRIVER_PROPERTIES.forEach((keyword, property) ->
                target.option(keyword).ifPresent(value -> properties.setProperty(property, value)));
        String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
        String url = "jdbc:postgresql://" + host + ":" + target.port() + "/"
                + URLEncoder.encode(target.dbname(), StandardCharsets.UTF_8);
        Connection connection = new Driver().connect(url, properties);
        if (connection == null) {
            throw new SQLException("pgjdbc refused the URL for " + describe());
        }
        return connection;
    }

    /** pg_basebackup against this server: the same target and options, the password in its environment. */
    BaseBackupCommand baseBackupCommand(Path binDirectory) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("host", target.host());
        values.put("port", Integer.toString(target.port()));
        values.put("user", target.user());
        values.put("dbname", target.dbname());
        values.put("application_name", target.option("application_name").orElse(APPLICATION_NAME));
        target.options().forEach(values::putIfAbsent);
        StringBuilder conninfo = new StringBuilder();
        values.forEach((keyword, value) -> conninfo.append(conninfo.isEmpty() ? "" : " ").append(keyword).append("='")
                .append(value.replace("\\", "\\\\").replace("'", "\\'")).append('\''));
        return new BaseBackupCommand(binDirectory, conninfo.toString(), password);
    }

    @Override
    public String host() {
        return target.host();
    }

    @Override
    public int port() {
        return target.port();
    }
}
