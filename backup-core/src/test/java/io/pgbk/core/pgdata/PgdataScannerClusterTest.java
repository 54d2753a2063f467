package io.pgbk.core.pgdata;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scanner on the data directories of real PostgreSQL 15 servers, running and stopped. */
class PgdataScannerClusterTest {
    private static final List<String> EMPTIED_DIRECTORIES = List.of(
            "pg_wal", "pg_dynshmem", "pg_notify", "pg_replslot", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");

    @Test
    void leavesOutWhatPostgresqlRebuildsKeepsUnloggedInitForksAndFindsTablespaces() throws IOException, SQLException {
        try (TempDirectory location = ServiceUser.forServers().createDirectory("tablespace");
             PostgresCluster pg = PostgresCluster.startPrimary("scan", PostgresOptions.defaults())) {
            pg.execute("CREATE TABLESPACE scan_ts LOCATION '" + location.path() + "'");
            pg.execute("CREATE TABLE in_ts (id int) TABLESPACE scan_ts; INSERT INTO in_ts VALUES (1);"
                    + " CREATE UNLOGGED TABLE ephemeral (id int PRIMARY KEY);"
                    + " INSERT INTO ephemeral SELECT generate_series(1, 1000);");
            pg.execute("VACUUM ephemeral");
            pg.execute("CHECKPOINT");
            long tablespaceOid = pg.queryForLong("SELECT oid FROM pg_tablespace WHERE spcname = 'scan_ts'");
            String inTablespace = pg.queryForString("SELECT pg_relation_filepath('in_ts')");
            String unlogged = pg.queryForString("SELECT pg_relation_filepath('ephemeral')");
            String unloggedIndex = pg.queryForString("SELECT pg_relation_filepath('ephemeral_pkey')");
            Path data = pg.dataDirectory();
            assertThat(data.resolve(unlogged)).exists();
            assertThat(data.resolve(unlogged + "_fsm")).exists();
            assertThat(data.resolve(unlogged + "_init")).exists();
            assertThat(data.resolve("postmaster.pid")).exists();
            assertThat(data.resolve("postmaster.opts")).exists();
            assertThat(Files.list(data.resolve("pg_wal")).count()).isGreaterThan(1);

            String temporary;
            PgdataScan running;
            try (Connection session = pg.connect(); Statement statement = session.createStatement()) {
                statement.execute("CREATE TEMP TABLE scratch (id int); INSERT INTO scratch VALUES (1)");
                try (ResultSet path = statement.executeQuery("SELECT pg_relation_filepath('scratch')")) {
                    path.next();
                    temporary = path.getString(1);
                }
                assertThat(data.resolve(temporary)).exists();
                running = new PgdataScanner(data).scan();
            }

            assertBackupContents(running, List.of("postmaster.pid", "postmaster.opts", temporary,
                    unlogged, unlogged + "_fsm", unlogged + "_vm", unloggedIndex));
            assertThat(paths(running)).contains(unlogged + "_init", unloggedIndex + "_init", inTablespace);
            assertThat(running.tablespaces()).containsExactly(new Tablespace(tablespaceOid, location.path()));
            assertThat(inTablespace).startsWith("pg_tblspc/" + tablespaceOid + "/" + running.tablespaceVersionDirectory() + "/");
            assertThat(entry(running, "pg_tblspc/" + tablespaceOid).kind()).isEqualTo(EntryKind.SYMLINK);
            assertThat(entry(running, inTablespace).relation().orElseThrow().tablespaceOid()).isEqualTo(tablespaceOid);
            assertThat(entry(running, inTablespace).source())
                    .isEqualTo(location.path().resolve(inTablespace.substring(inTablespace.indexOf("PG_15_"))));

            pg.stop();
            PgdataScan stopped = new PgdataScanner(data).scan();
            assertBackupContents(stopped, List.of(unlogged, unlogged + "_fsm", unloggedIndex));
            assertThat(paths(stopped)).contains(unlogged + "_init", inTablespace);
            for (PgdataEntry file : stopped.entries()) {
                if (file.kind() == EntryKind.FILE) {
                    assertThat(file.size()).as(file.path()).isEqualTo(Files.size(file.source()));
                }
            }
            assertThat(new PgdataScanner(data).scan()).isEqualTo(stopped);
        }
    }

    @Test
    void aStandbysSignalFileStaysBehind() {
        try (PostgresCluster primary = PostgresCluster.startPrimary("scan-primary", PostgresOptions.defaults());
             PostgresCluster standby = primary.createStandby("scan-standby", StandbyOptions.streaming())) {
            primary.execute("CREATE TABLE replicated (id int); INSERT INTO replicated VALUES (1)");
            String table = primary.queryForString("SELECT pg_relation_filepath('replicated')");
            standby.waitForCatchUp(primary);
            assertThat(standby.dataDirectory().resolve("standby.signal")).exists();

            PgdataScan scan = new PgdataScanner(standby.dataDirectory()).scan();

            assertBackupContents(scan, List.of("standby.signal", "postmaster.pid"));
            assertThat(paths(scan)).contains(table, "postgresql.auto.conf", "PG_VERSION");
        }
    }

    /** What every base backup must look like: PostgreSQL's exclusions applied, pg_control last. */
    private static void assertBackupContents(PgdataScan scan, List<String> absent) {
        List<String> paths = paths(scan);
        assertThat(paths).doesNotContainAnyElementsOf(absent).doesNotHaveDuplicates();
        assertThat(paths.get(paths.size() - 1)).isEqualTo("global/pg_control");
        assertThat(paths).contains("pg_wal/archive_status", "base", "global/pg_filenode.map", "pg_xact/0000");
        for (String directory : EMPTIED_DIRECTORIES) {
            assertThat(entry(scan, directory).kind()).isEqualTo(EntryKind.DIRECTORY);
            assertThat(paths).filteredOn(path -> path.startsWith(directory + "/"))
                    .as("contents of " + directory)
                    .isEqualTo(directory.equals("pg_wal") ? List.of("pg_wal/archive_status") : List.of());
        }
        assertThat(paths).noneMatch(path -> path.contains("pgsql_tmp") || path.endsWith("pg_internal.init"));
    }

    private static List<String> paths(PgdataScan scan) {
        return scan.entries().stream().map(PgdataEntry::path).toList();
    }

    private static PgdataEntry entry(PgdataScan scan, String path) {
        return scan.entries().stream().filter(e -> e.path().equals(path)).findFirst().orElseThrow();
    }
}
