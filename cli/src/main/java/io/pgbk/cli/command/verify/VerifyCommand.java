/*
 * `pgbk verify [ID]`: reads backups (all, or one) and the WAL they need back from the repository
 * and checks every checksum, without PostgreSQL; --wal reads every archived WAL object too. The
 * work is backup-core's Verifier; this prints one line per backup, OK or FAILED, each problem on
 * an indented line below it, and exits 0 only when nothing is wrong.
 */
package io.pgbk.cli.command.verify;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.config.Settings;
import io.pgbk.cli.repository.ConfiguredRepository;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.verify.Verdict;
import io.pgbk.core.verify.Verifier;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Read backups and the WAL they need from the repository and check every checksum.",
                "Needs no PostgreSQL. Exit status 0 only when everything read is intact."})
public final class VerifyCommand implements PgbkCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "The backup to verify; default: all.")
    private String id;

    @Option(names = "--wal", description = "Also read every archived WAL file.")
    private boolean wal;

    @Option(names = "--json", description = "One JSON array, for scripts.")
    private boolean json;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(ConfiguredRepository.SETTINGS);
        settings.add(Settings.JOBS);
        return settings;
    }

    @Override
    public ExitStatus run(CommandContext context) throws Exception {
        List<Verdict> verdicts = new ArrayList<>();
        try (ConfiguredRepository repository = ConfiguredRepository.open(context.configuration())) {
            List<BackupId> ids = id == null ? new Catalog(repository.repository()).ids() : List.of(BackupId.parse(id));
            Verifier verifier = new Verifier(repository.repository(), context.configuration().require(Settings.JOBS));
            verdicts.addAll(verifier.verifyBackups(ids));
            if (wal) {
                verdicts.add(verifier.verifyWal());
            }
        }
        PrintWriter out = context.out();
        if (json) {
            out.println(new ManifestJson().mapper().writeValueAsString(verdicts.stream().map(VerifyCommand::asJson)
                    .toList()));
        } else {
            if (verdicts.isEmpty()) {
                out.println("no backups to verify");
            }
            for (Verdict verdict : verdicts) {
                out.printf("%s %s (%d objects read)%n", verdict.subject(), verdict.ok() ? "OK" : "FAILED",
                        verdict.objectsRead());
                verdict.findings().forEach(finding -> out.println("  " + finding.describe()));
            }
        }
        return verdicts.stream().allMatch(Verdict::ok) ? ExitStatus.OK : ExitStatus.FAILURE;
    }

    private static Map<String, Object> asJson(Verdict verdict) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("subject", verdict.subject());
        json.put("status", verdict.ok() ? "OK" : "FAILED");
        json.put("objectsRead", verdict.objectsRead());
        json.put("findings", verdict.findings());
        return json;
    }
}
