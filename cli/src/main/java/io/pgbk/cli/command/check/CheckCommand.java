/*
 * `pgbk check`: one line per check, OK, WARNING or FAILED, and exit status 0 only when none
 * failed, so that monitoring can run it. The configuration was read and validated before this
 * runs (Main refuses a bad one), which is the first line; the rest is backup-core's ClusterCheck.
 */
package io.pgbk.cli.command.check;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.command.backup.ConnInfoEndpoint;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.check.CheckResult;
import io.pgbk.core.check.ClusterCheck;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.error.PgbkException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check the configuration, the repository, the PostgreSQL connection and that WAL archiving "
                + "works end to end (on a primary a WAL switch must reach the repository).",
                "Exit status 0 only when every check passes."})
public final class CheckCommand implements PgbkCommand {

    @Option(names = "--json", description = "One JSON array, for scripts.")
    private boolean json;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(ConfiguredRepository.SETTINGS);
        settings.addAll(List.of(Settings.DB, Settings.ARCHIVE_TIMEOUT));
        return settings;
    }

    @Override
    public ExitStatus run(CommandContext context) throws Exception {
        Configuration configuration = context.configuration();
        List<CheckResult> results = new ArrayList<>();
        results.add(CheckResult.ok("config", "settings read and valid"));
        ConnInfoEndpoint server = ConnInfoEndpoint.of(configuration.require(Settings.DB), context.environment());
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration)) {
            results.addAll(new ClusterCheck(repository.repository(), server, context.clock(),
                    Duration.ofSeconds(configuration.require(Settings.ARCHIVE_TIMEOUT))).run());
        } catch (PgbkException e) {
            results.add(CheckResult.failed("repository", e.getMessage()));
        }
        PrintWriter out = context.out();
        if (json) {
            out.println(new ManifestJson().mapper().writeValueAsString(results));
        } else {
            results.forEach(result -> out.printf("%-17s %-7s %s%n", result.name(), result.status(), result.detail()));
        }
        return results.stream().allMatch(CheckResult::passed) ? ExitStatus.OK : ExitStatus.FAILURE;
    }
}
