package io.pgbk.cli.command.backup;

import io.pgbk.cli.PgbkInstallation;
import io.pgbk.testkit.Poll;
import io.pgbk.testkit.os.ServiceUser;
import io.pgbk.testkit.os.TempDirectory;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import io.pgbk.testkit.postgres.StandbyOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The setting of the backup commands' end-to-end tests: a primary that archives through the
 * installed launcher into a local repository, and a streaming standby that has replayed a table,
 * a WAL switch the repository holds, and a checkpoint (so pg_backup_start on it is quick).
 */
final class ArchivingPrimaryAndStandby implements AutoCloseable {

    private final PgbkInstallation pgbk;
    private final TempDirectory work;
    private final Path config;
    private PostgresCluster primary;
    private PostgresCluster standby;

    private ArchivingPrimaryAndStandby(PgbkInstallation pgbk, TempDirectory work, Path config) {
        this.pgbk = pgbk;
        this.work = work;
        this.config = config;
    }

    static ArchivingPrimaryAndStandby start(PgbkInstallation pgbk, String name) throws IOException {
        ServiceUser user = ServiceUser.forServers();
        TempDirectory work = user.createDirectory(name);
        ArchivingPrimaryAndStandby pair = null;
        try {
            Path repository = Files.createDirectory(work.path().resolve("repository"));
            Path config = Files.writeString(work.path().resolve("pgbk.yaml"), "repo: " + repository
                    + "\ncluster: main\nlock-path: " + work.path().resolve("locks") + "\n");
            user.takeOwnership(work.path());
            pair = new ArchivingPrimaryAndStandby(pgbk, work, config);
            pair.primary = PostgresCluster.startPrimary(name + "-primary", PostgresOptions.defaults()
                    .withSetting("archive_mode", "on")
                    .withSetting("archive_command", pgbk.command("--config", config.toString(), "wal-push", "%p")));
            pair.standby = pair.primary.createStandby(name + "-standby", StandbyOptions.streaming());
            pair.writeAndArchive();
            return pair;
        } catch (IOException | RuntimeException e) {
            if (pair != null) {
                pair.close();
            } else {
                work.close();
            }
            throw e;
        }
    }

    PostgresCluster primary() {
        return primary;
    }

    PostgresCluster standby() {
        return standby;
    }

    /** Runs the installed pgbk with this setting's config file before the arguments. */
    PgbkInstallation.Result pgbk(String... arguments) {
        List<String> words = new ArrayList<>(List.of("--config", config.toString()));
        words.addAll(List.of(arguments));
        return pgbk.run(work.path(), Map.of(), words.toArray(String[]::new));
    }

    private void writeAndArchive() {
        primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 10000) g");
        String segment = primary.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        new Poll(Duration.ofMinutes(1)).until("the primary to archive " + segment, () -> primary
                .queryForString("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
                .compareTo(segment) >= 0, () -> primary.logTail(30));
        standby.waitForCatchUp(primary);
        primary.execute("CHECKPOINT");
    }

    @Override
    public void close() {
        try (work; PostgresCluster p = primary; PostgresCluster s = standby) {
            // closed in reverse order: the standby, the primary, then the directory
        }
    }
}
