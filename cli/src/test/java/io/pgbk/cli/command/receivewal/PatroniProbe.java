package io.pgbk.cli.command.receivewal;

import io.pgbk.ha.dcs.Dcs;
import io.pgbk.ha.dcs.Member;
import io.pgbk.testkit.patroni.PatroniNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * What the Patroni tests ask of a running cluster: who leads according to the DCS, and the
 * leader's view of its standbys in pg_stat_replication. Answers are for polling: a node that is
 * not up (yet, or any more) is simply not in the state asked for.
 */
final class PatroniProbe {

    private PatroniProbe() {
    }

    /** The leader key's member name; empty while there is none or the DCS does not answer. */
    static Optional<String> leaderName(Dcs dcs) {
        try {
            return dcs.readCluster().leader().map(Member::name);
        } catch (RuntimeException dcsBusy) {
            return Optional.empty();
        }
    }

    /** name holds the leader key and has published itself as a running primary. */
    static boolean leaderIs(Dcs dcs, String name) {
        Optional<Member> leader = dcs.readCluster().leader();
        return leader.isPresent() && leader.get().name().equals(name)
                && leader.get().role().filter(role -> role.equals("master") || role.equals("primary")).isPresent()
                && leader.get().state().filter("running"::equals).isPresent();
    }

    static boolean streamingReplica(PatroniNode primary, String standby) {
        return oneStandby(primary, "application_name = '" + standby + "' AND state = 'streaming'");
    }

    static boolean synchronousStandby(PatroniNode primary, String standby) {
        return oneStandby(primary, "application_name = '" + standby + "' AND sync_state = 'sync'");
    }

    static void execute(PatroniNode node, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(node.jdbcUrl());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static String queryForString(PatroniNode node, String sql) {
        try (Connection connection = DriverManager.getConnection(node.jdbcUrl());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " on " + node.name() + ": " + e.getMessage(), e);
        }
    }

    private static boolean oneStandby(PatroniNode primary, String condition) {
        try {
            return queryForString(primary, "SELECT count(*) FROM pg_stat_replication WHERE " + condition).equals("1");
        } catch (IllegalStateException notYet) {
            return false;
        }
    }
}
