/*
 * `pgbk list`: the complete backups of the cluster, oldest first, as a table or as JSON. Only
 * backups with a backup.json are complete; one being written or left by a crash is not listed.
 * A backup that a recorded WAL gap limits gets a note under the table.
 */
package io.pgbk.cli.command.list;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.command.backup.ByteCount;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.catalog.WalGaps;
import io.pgbk.core.manifest.ManifestJson;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the complete backups of the cluster, oldest first.")
public final class ListCommand implements PgbkCommand {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final String ROW = "%-16s  %-4s  %-16s  %-20s  %-20s  %8s  %-12s  %-12s  %3s  %10s  %10s  %s%n";

    @Option(names = "--json", description = "One JSON array, for scripts.")
    private boolean json;

    @Override
    public List<Setting<?>> settings() {
        return ConfiguredRepository.SETTINGS;
    }

    @Override
    public ExitStatus run(CommandContext context) throws Exception {
        List<BackupSummary> backups;
        try (ConfiguredRepository repository = ConfiguredRepository.open(context.configuration())) {
            WalGaps gaps = WalGaps.read(repository.repository());
            backups = new Catalog(repository.repository()).list().stream()
                    .map(backup -> BackupSummary.of(backup, gaps)).toList();
        }
        PrintWriter out = context.out();
        if (json) {
            out.println(new ManifestJson().mapper().writeValueAsString(backups));
            return ExitStatus.OK;
        }
        if (backups.isEmpty()) {
            out.println("no backups");
            return ExitStatus.OK;
        }
        out.printf(ROW, "ID", "TYPE", "PARENT", "START", "STOP", "DURATION", "START LSN", "STOP LSN", "TLI", "SIZE",
                "STORED", "STATUS");
        for (BackupSummary backup : backups) {
            out.printf(ROW, backup.id(), backup.type(), backup.parent() == null ? "-" : backup.parent(),
                    TIME.format(backup.startTime()), TIME.format(backup.stopTime()), backup.durationSeconds() + " s",
                    backup.startLsn(), backup.stopLsn(), backup.timeline(), new ByteCount(backup.dataSize()),
                    new ByteCount(backup.storedSize()), backup.status());
        }
        backups.stream().filter(backup -> backup.walGap() != null)
                .forEach(backup -> out.printf("backup %s: %s%n", backup.id(), backup.walGap()));
        return ExitStatus.OK;
    }
}
