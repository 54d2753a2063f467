package io.pgbk.cli.command.receivewal;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.testkit.os.LogFile;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.postgres.PostgresBinaries;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The proof of the receiver's WAL: a base backup taken without WAL, recovered to the end of the
 * WAL the receiver kept, then asked which rows of RowWriter's table it holds.
 */
final class WalRestore {

    private WalRestore() {
    }

    /** pg_basebackup without WAL (the restore must take all of it from what the receiver kept); returns its start LSN. */
    static Lsn baseBackup(int port, Path target, Path work) throws IOException {
        ServiceUser.forServers().run("pg_basebackup", List.of(PostgresBinaries.find().tool("pg_basebackup"),
                "-d", "host=127.0.0.1 port=" + port + " user=postgres",
                "-D", target.toString(), "-X", "none", "-c", "fast", "--no-sync"), work,
                new LogFile(work.resolve("pg_basebackup.log")), Duration.ofSeconds(60));
        String label = Files.readString(target.resolve("backup_label"));
        return Lsn.parse(label.lines().filter(line -> line.startsWith("START WAL LOCATION:")).findFirst().orElseThrow()
                .split("\\s+")[3]);
    }

    /** Recovers the base backup in data with restore_command copying from wal, to the end of WAL; the rows of acked. */
    static Set<Integer> recoverAndReadRows(Path work, Path data, Path wal) throws Exception {
        return recoverAndReadRows(work, data, "cp " + wal + "/%f %p", "latest");
    }

    /**
     * Recovers the base backup in data to the end of the WAL of one timeline, the way a restore
     * with that target timeline would get it from pgbk: a segment that is stored only as the
     * timeline's .partial last segment is fetched from it (recovery targets that timeline, so no
     * later timeline's WAL is wanted for that segment).
     */
    static Set<Integer> recoverTimelineAndReadRows(Path work, Path data, Path wal, TimelineId timeline) throws Exception {
        return recoverAndReadRows(work, data, "cp " + wal + "/%f %p || cp " + wal + "/%f.partial %p",
                Long.toString(timeline.value()));
    }

    private static Set<Integer> recoverAndReadRows(Path work, Path data, String restoreCommand, String targetTimeline)
            throws Exception {
        Files.writeString(data.resolve("recovery.signal"), "");
        Files.writeString(data.resolve("postgresql.auto.conf"), String.join("\n",
                "restore_command = '" + restoreCommand + "'",
                "recovery_target_timeline = '" + targetTimeline + "'",
                "synchronous_standby_names = ''",
                "hba_file = '" + data.resolve("pg_hba.conf") + "'",
                "ident_file = '" + data.resolve("pg_ident.conf") + "'",
                ""), StandardOpenOption.APPEND);
        ServiceUser.forServers().takeOwnership(work);
        try (PostgresCluster restored = PostgresCluster.restoredFrom(data, PostgresOptions.defaults())) {
            restored.waitUntilPromoted();
            Set<Integer> rows = new TreeSet<>();
            try (Connection connection = restored.connect();
                 Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT n FROM acked")) {
                while (result.next()) {
                    rows.add(result.getInt(1));
                }
            }
            return rows;
        }
    }
}
