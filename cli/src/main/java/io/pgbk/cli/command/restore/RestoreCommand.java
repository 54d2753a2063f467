/*
 * `pgbk restore --pgdata DIR [target options] [--start]`: point-in-time recovery. The command
 * parses the target and the options, builds the restore_command PostgreSQL will run (this same
 * pgbk with the same repository settings, never a secret on its command line), hands the work to
 * backup-core's RestoreEngine, and with --start to RecoveryServer (after starting the WAL
 * prefetcher, RecoveryPrefetch), then reports what happened.
 *
 * restore_command carries --config FILE when a config file was read, and the repository settings
 * that came from flags or the environment as flags; secrets travel only through the config file
 * (or PostgreSQL's own environment), because every local user can read a process's command line.
 */
package io.pgbk.cli.command.restore;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Origin;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.recovery.RecoveryConfiguration;
import io.pgbk.core.recovery.RecoveryOutcome;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.RecoveryServer;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.restore.RestoreEngine;
import io.pgbk.core.restore.RestoreMode;
import io.pgbk.core.restore.RestoreRequest;
import io.pgbk.core.restore.RestoreResult;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a backup into a data directory and configure point-in-time recovery.",
                "At most one target; without one, recovery replays all archived WAL. See docs/pitr.md."})
public final class RestoreCommand implements PgbkCommand {

    private static final Logger log = LoggerFactory.getLogger(RestoreCommand.class);

    @Option(names = "--backup", paramLabel = "ID|latest",
            description = "The backup to restore; default: the newest one that can reach the target.")
    private String backup;

    @Option(names = "--target-time", paramLabel = "TIME",
            description = "Recover to this time, with a zone: 2026-11-29T12:00:00Z or 2026-11-29 12:00:00+00.")
    private String targetTime;

    @Option(names = "--target-lsn", paramLabel = "LSN", description = "Recover to this WAL position, e.g. 0/3000028.")
    private String targetLsn;

    @Option(names = "--target-xid", paramLabel = "XID", description = "Recover to the commit of this transaction.")
    private String targetXid;

    @Option(names = "--target-name", paramLabel = "NAME",
            description = "Recover to this restore point (pg_create_restore_point).")
    private String targetName;

    @Option(names = "--target", paramLabel = "immediate",
            description = "'immediate': stop as soon as the backup is consistent.")
    private String target;

    @Option(names = "--target-exclusive", description = "Stop just before the target instead of just after it.")
    private boolean exclusive;

    @Option(names = "--target-timeline", paramLabel = "latest|current|N", defaultValue = "latest",
            description = "Timeline to recover along; current or N: to its end, its stored .partial last segment "
                    + "included. Default: ${DEFAULT-VALUE}.")
    private String timeline;

    @Option(names = "--target-action", paramLabel = "promote|pause|shutdown", defaultValue = "promote",
            description = "What PostgreSQL does at the target. Default: ${DEFAULT-VALUE}.")
    private String action;

    @Option(names = "--delta", description = "Keep files of DIR that match the backup, rewrite the others, remove extras.")
    private boolean delta;

    @Option(names = "--force", description = "Replace the content of a non-empty DIR.")
    private boolean force;

    @Option(names = "--tablespace-map", paramLabel = "OID=DIR", description = "Restore tablespace OID into DIR.")
    private List<String> tablespaceMap = new ArrayList<>();

    @Option(names = "--archive-mode", paramLabel = "off|preserve", defaultValue = "off",
            description = "off: the restored cluster does not archive (default); preserve: keep the backup's setting.")
    private String archiveMode;

    @Option(names = "--owner", paramLabel = "USER",
            description = "OS user to own the files when run as root; default: the owner of DIR or its parent, "
                    + "else postgres.")
    private String owner;

    @Option(names = "--start", description = "Start PostgreSQL and wait until recovery reaches the target.")
    private boolean start;

    @Option(names = "--port", paramLabel = "PORT", description = "With --start: the port; default: the configured one.")
    private Integer port;

    @Override
    public List<Setting<?>> settings() {
        return Stream.concat(ConfiguredRepository.SETTINGS.stream(),
                Stream.of(Settings.PGDATA, Settings.JOBS, Settings.PG_BIN, Settings.PGBK_COMMAND)).toList();
    }

    @Override
    public ExitStatus run(CommandContext context) {
        Configuration configuration = context.configuration();
        RecoveryTarget recoveryTarget = RecoveryTarget.fromOptions(Optional.ofNullable(targetTime),
                Optional.ofNullable(targetLsn), Optional.ofNullable(targetXid), Optional.ofNullable(targetName),
                Optional.ofNullable(target), context.clock());
        RecoveryPlan plan = new RecoveryPlan(recoveryTarget, exclusive, TargetTimeline.parse(timeline),
                TargetAction.parse(action));
        if (delta && force) {
            throw new PgbkException("choose --delta or --force, not both");
        }
        if (port != null && !start) {
            throw new PgbkException("--port only applies with --start");
        }
        if (!archiveMode.equals("off") && !archiveMode.equals("preserve")) {
            throw new PgbkException("invalid --archive-mode '" + archiveMode + "': expected off or preserve");
        }
        Path pgdata = configuration.require(Settings.PGDATA);
        List<String> pgbk = pgbkCommand(configuration);
        RecoveryConfiguration recovery = new RecoveryConfiguration(endTimeline -> walFetch(pgbk, endTimeline), plan,
                archiveMode.equals("preserve"));
        RestoreRequest request = new RestoreRequest(pgdata, Optional.ofNullable(backup), recovery,
                delta ? RestoreMode.DELTA : force ? RestoreMode.FORCE : RestoreMode.EMPTY_ONLY, tablespaces(),
                configuration.require(Settings.JOBS), Optional.ofNullable(owner));
        RestoreResult result;
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration)) {
            Optional<RecoveryPrefetch> prefetch = start
                    ? RecoveryPrefetch.forRestore(context, repository.repository(), pgbk.get(0)) : Optional.empty();
            result = new RestoreEngine(repository.repository(), context.clock())
                    .restore(request, first -> prefetch.ifPresent(ahead -> ahead.startIdle(first)));
            prefetch.ifPresent(RecoveryPrefetch::recoveryStarts);
        }
        context.out().println("restored " + result.choice().reason());
        context.out().printf("into %s: %d files written (%d bytes), %d kept, %d removed, in %s%n",
                result.dataDirectory(), result.filesWritten(), result.bytesWritten(), result.filesKept(),
                result.entriesRemoved(), result.duration());
        context.out().println("recovery: " + plan.describe());
        if (!start) {
            context.out().println("start PostgreSQL on " + pgdata + " to recover"
                    + result.owner().map(user -> " (as " + user + ")").orElse(""));
            return ExitStatus.OK;
        }
        RecoveryOutcome outcome = new RecoveryServer(RecoveryServer.binDirectory(configuration.get(Settings.PG_BIN)),
                pgdata, result.owner(), context.clock())
                .start(plan.action(), Optional.ofNullable(port), result.owner().orElse(System.getProperty("user.name")),
                        Optional.empty());
        context.out().println(outcome.describe());
        outcome.stopMessages().forEach(line -> context.out().println("  " + line));
        return ExitStatus.OK;
    }

    private Map<Long, Path> tablespaces() {
        Map<Long, Path> map = new LinkedHashMap<>();
        for (String mapping : tablespaceMap) {
            int equals = mapping.indexOf('=');
            if (equals < 1 || !mapping.substring(0, equals).matches("[0-9]{1,10}") || equals == mapping.length() - 1) {
                throw new PgbkException("invalid --tablespace-map '" + mapping + "': expected OID=DIR, e.g. 16384=/srv/ts1");
            }
            map.put(Long.parseLong(mapping.substring(0, equals)), Path.of(mapping.substring(equals + 1)));
        }
        return map;
    }

    /** pgbk with the repository this restore reads, as PostgreSQL will run it. */
    private static List<String> pgbkCommand(Configuration configuration) {
        List<String> words = new ArrayList<>(List.of(configuration.require(Settings.PGBK_COMMAND)));
        configuration.file().ifPresent(file -> words.addAll(List.of("--config", file.toAbsolutePath().toString())));
        for (Setting<?> setting : ConfiguredRepository.SETTINGS) {
            configuration.entry(setting).ifPresent(entry -> {
                Origin.Kind origin = entry.origin().kind();
                if (origin != Origin.Kind.FLAG && origin != Origin.Kind.ENVIRONMENT) {
                    return;
                }
                if (setting.mayEcho()) {
                    words.addAll(List.of(setting.flag(), entry.display()));
                } else {
                    log.warn("{} comes {}: restore_command will not pass it on (a secret never goes on a command "
                            + "line); put it in a config file readable only by PostgreSQL's OS user, or into "
                            + "PostgreSQL's environment", setting.name(), entry.origin().phrase());
                }
            });
        }
        return words;
    }

    /** Told the timeline recovery ends on, wal-fetch serves that timeline's last segment from its stored .partial. */
    private static List<String> walFetch(List<String> pgbk, Optional<TimelineId> endTimeline) {
        List<String> words = new ArrayList<>(pgbk);
        words.add("wal-fetch");
        endTimeline.ifPresent(timeline -> words.addAll(List.of("--target-timeline", timeline.toString())));
        words.addAll(List.of("%f", "%p"));
        return words;
    }
}
