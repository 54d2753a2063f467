/*
 * `pgbk backup`: a base backup, from a standby by default: in local mode of the node whose data
 * directory is on this host, in stream mode (a backup server, like Barman's) of the node 'db'
 * names, through pg_basebackup. Wiring only: the engine is backup-core's BackupEngine; this reads
 * the settings, shows progress on stderr and prints what was stored on stdout.
 */
package io.pgbk.cli.command.backup;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.backup.BackupEngine;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.backup.BackupProgress;
import io.pgbk.core.backup.DatabaseEndpoint;
import io.pgbk.core.backup.SourcePolicy;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.recovery.RecoveryServer;
import io.pgbk.error.PgbkException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Take a base backup, by default from a standby: of the PostgreSQL node on this host (local mode),"
                + " or over the replication protocol from a backup server (--mode stream).",
                "The backup exists once its WAL is archived and backup.json is written; see docs/backups.md."})
public final class BackupCommand implements PgbkCommand {

    @Option(names = "--type", paramLabel = "full|incr", defaultValue = "full",
            description = "full, or incr: only pages changed since the latest backup. Default: ${DEFAULT-VALUE}.")
    private String type;

    @Option(names = "--from", paramLabel = "standby|primary|prefer-standby", defaultValue = "standby",
            description = "Which kind of node 'db' may be: standby refuses a primary, prefer-standby accepts one. "
                    + "Default: ${DEFAULT-VALUE}.")
    private String from;

    @Option(names = "--mode", paramLabel = "local|stream", defaultValue = "local",
            description = "local: read 'pgdata' on this host; stream: run pg_basebackup against 'db' (full backups "
                    + "only, no 'pgdata' needed). Default: ${DEFAULT-VALUE}.")
    private String mode;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(ConfiguredRepository.SETTINGS);
        settings.addAll(List.of(Settings.PGDATA, Settings.DB, Settings.PRIMARY, Settings.COMPRESS, Settings.JOBS,
                Settings.ARCHIVE_TIMEOUT, Settings.MAX_INCREMENTAL_CHAIN, Settings.LOCK_PATH,
                Settings.PG_BIN));
        return settings;
    }

    @Override
    public ExitStatus run(CommandContext context) {
        Configuration configuration = context.configuration();
        boolean stream = switch (mode) {
            case "local" -> false;
            case "stream" -> true;
            default -> throw new PgbkException("invalid --mode " + mode + ": expected local or stream");
        };
        BackupOptions options = BackupOptions.defaults(stream ? null : configuration.require(Settings.PGDATA),
                        configuration.require(Settings.LOCK_PATH))
                .withType(BackupType.parse(type))
                .withFrom(SourcePolicy.parse(from))
                .withJobs(configuration.require(Settings.JOBS))
                .withCompression(configuration.require(Settings.COMPRESS))
                .withArchiveTimeout(Duration.ofSeconds(configuration.require(Settings.ARCHIVE_TIMEOUT)))
                .withMaxIncrementalChain(configuration.require(Settings.MAX_INCREMENTAL_CHAIN));
        ConnInfoEndpoint node = ConnInfoEndpoint.of(configuration.require(Settings.DB), context.environment());
        Optional<DatabaseEndpoint> primary = configuration.get(Settings.PRIMARY)
                .map(text -> ConnInfoEndpoint.of(text, context.environment()));
        BackupProgress progress = new BackupProgress();
        BackupManifest backup;
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration);
             ProgressReport report = new ProgressReport(progress, context.err(), System.console() != null,
                     context.clock())) {
            BackupEngine engine = stream
                    ? BackupEngine.streaming(repository.repository(), node,
                            node.baseBackupCommand(RecoveryServer.binDirectory(configuration.get(Settings.PG_BIN))),
                            primary, options, context.clock())
                    : new BackupEngine(repository.repository(), node, primary, options, context.clock());
            backup = engine.run(progress);
        }
        context.out().println(backup.id());
        context.out().printf("%s backup%s from %s: %d files, %s read, %s stored in %d parts, LSN %s - %s, %d s%n",
                backup.type(), backup.parent() == null ? "" : " on " + backup.parent(), backup.source(),
                backup.files().size(), new ByteCount(backup.dataSize()), new ByteCount(backup.storedSize()),
                backup.parts().size(), backup.startLsn(), backup.stopLsn(), backup.duration().toSeconds());
        if (!backup.filesWithCorruptPages().isEmpty()) {
            context.out().printf("WARNING: page checksum failures in %d files (pgbk show %s lists them)%n",
                    backup.filesWithCorruptPages().size(), backup.id());
        }
        return ExitStatus.OK;
    }
}
