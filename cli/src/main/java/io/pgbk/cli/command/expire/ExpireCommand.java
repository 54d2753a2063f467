/*
 * `pgbk expire [--dry-run]`: applies the retention policy (retention-full, retention-window,
 * minimum-redundancy) to the repository. The decisions and the safe deletion order are
 * backup-core's Expiry; this prints what goes (or would go, with --dry-run) and what stays.
 */
package io.pgbk.cli.command.expire;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.backup.BackupOptions;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.retention.ExpirePlan;
import io.pgbk.core.retention.Expiry;
import io.pgbk.core.retention.RetentionPolicy;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "expire", mixinStandardHelpOptions = true,
        description = {"Remove backups past the retention policy, leftovers of interrupted backups, and WAL that "
                + "no kept backup needs, with the records of WAL gaps in it.", "A backup being written is never touched; see docs/backups.md, Retention."})
public final class ExpireCommand implements PgbkCommand {

    @Option(names = "--dry-run", description = "Only list what would be removed.")
    private boolean dryRun;

    @Option(names = "--json", description = "The plan as one JSON object, for scripts.")
    private boolean json;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(ConfiguredRepository.SETTINGS);
        settings.addAll(List.of(Settings.RETENTION_FULL, Settings.RETENTION_WINDOW, Settings.MINIMUM_REDUNDANCY));
        return settings;
    }

    @Override
    public ExitStatus run(CommandContext context) throws Exception {
        Configuration configuration = context.configuration();
        RetentionPolicy policy = new RetentionPolicy(configuration.get(Settings.RETENTION_FULL),
                configuration.get(Settings.RETENTION_WINDOW), configuration.require(Settings.MINIMUM_REDUNDANCY));
        ExpirePlan plan;
        try (ConfiguredRepository repository = ConfiguredRepository.open(configuration)) {
            Expiry expiry = new Expiry(repository.repository(), policy, context.clock(),
                    BackupOptions.DEFAULT_STALE_LOCK);
            plan = expiry.plan();
            if (!dryRun) {
                expiry.apply(plan);
            }
        }
        PrintWriter out = context.out();
        if (json) {
            out.println(new ManifestJson().mapper().writeValueAsString(plan));
            return ExitStatus.OK;
        }
        String verb = dryRun ? "would remove" : "removed";
        out.println("policy: " + policy);
        plan.kept().forEach(id -> out.println("keep backup " + id));
        plan.inProgress().forEach(id -> out.println("backup " + id + " is being written: incomplete backups left alone"));
        plan.expired().forEach(id -> out.println(verb + " backup " + id));
        plan.leftovers().forEach(id -> out.println(verb + " the leftovers of interrupted backup " + id));
        if (!plan.walKeys().isEmpty()) {
            out.println(verb + " " + plan.walKeys().size() + " WAL files, " + name(plan.walKeys().get(0)) + " to "
                    + name(plan.walKeys().get(plan.walKeys().size() - 1)));
        }
        if (!plan.walSummaryKeys().isEmpty()) {
            out.println(verb + " the summaries of " + plan.walSummaryKeys().size() + " WAL segments");
        }
        plan.gaps().forEach(gap -> out.println(verb + " the record of the WAL gap " + gap.range()
                + ", which lies before every kept backup"));
        if (plan.isEmpty()) {
            out.println("nothing to remove");
        }
        return ExitStatus.OK;
    }

    private static String name(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
