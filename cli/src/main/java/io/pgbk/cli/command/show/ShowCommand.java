/*
 * `pgbk show ID`: one backup in full: where it came from, its WAL range, what restore writes
 * (backup_label, tablespaces), the chain a restore reads, any page checksum failures, and a
 * recorded WAL gap in or after its WAL; with --json, backup.json itself, plus "walGap" when such
 * a gap exists.
 */
package io.pgbk.cli.command.show;

import io.pgbk.cli.command.CommandContext;
import io.pgbk.cli.command.ExitStatus;
import io.pgbk.cli.command.PgbkCommand;
import io.pgbk.cli.command.backup.ByteCount;
import io.pgbk.cli.config.Setting;
import io.pgbk.cli.repository.ConfiguredRepository;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.catalog.WalGaps;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.manifest.TablespaceInfo;
import io.pgbk.core.restore.RequiredWal;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "show", mixinStandardHelpOptions = true, description = "Show one backup.")
public final class ShowCommand implements PgbkCommand {

    @Parameters(index = "0", paramLabel = "ID", description = "The backup's id, as pgbk list prints it.")
    private String id;

    @Option(names = "--json", description = "The backup's manifest (backup.json), for scripts.")
    private boolean json;

    @Override
    public List<Setting<?>> settings() {
        return ConfiguredRepository.SETTINGS;
    }

    @Override
    public ExitStatus run(CommandContext context) throws Exception {
        BackupManifest backup;
        List<BackupManifest> chain;
        Optional<String> walGap;
        try (ConfiguredRepository repository = ConfiguredRepository.open(context.configuration())) {
            Catalog catalog = new Catalog(repository.repository());
            backup = catalog.read(BackupId.parse(id));
            chain = catalog.chain(backup);
            walGap = RequiredWal.gapNote(backup, WalGaps.read(repository.repository()));
        }
        PrintWriter out = context.out();
        if (json) {
            ManifestJson manifestJson = new ManifestJson();
            // exactly backup.json, with the note added
            ObjectNode document = (ObjectNode) manifestJson.mapper().readTree(manifestJson.write(backup));
            walGap.ifPresent(note -> document.put("walGap", note));
            out.println(manifestJson.mapper().writeValueAsString(document));
            return ExitStatus.OK;
        }
        out.printf("backup          %s (%s)%n", backup.id(), backup.type());
        out.printf("chain           %s%n", chain.stream().map(b -> b.id().toString()).collect(Collectors.joining(" <- ")));
        out.printf("source          %s, PostgreSQL %s, system %s%n", backup.source(), backup.source().version(),
                backup.systemIdentifier());
        out.printf("start           %s  LSN %s  timeline %s%n", backup.startTime(), backup.startLsn(),
                backup.startTimeline());
        out.printf("stop            %s  LSN %s  timeline %s%n", backup.stopTime(), backup.stopLsn(),
                backup.stopTimeline());
        out.printf("duration        %d s%n", backup.duration().toSeconds());
        out.printf("files           %d, %s%n", backup.files().size(), new ByteCount(backup.dataSize()));
        out.printf("stored          %d parts, %s, %s%n", backup.parts().size(), new ByteCount(backup.storedSize()),
                backup.compression());
        out.printf("checksums       %s%n", backup.dataChecksums() ? "verified" : "off in this cluster, not verified");
        walGap.ifPresent(note -> out.printf("warning         %s%n", note));
        for (TablespaceInfo tablespace : backup.tablespaces()) {
            out.printf("tablespace      %d at %s%n", tablespace.oid(), tablespace.location());
        }
        for (ManifestFile file : backup.filesWithCorruptPages()) {
            out.printf("BAD PAGES       %s: blocks %s%n", file.path(), file.corruptBlocks());
        }
        out.printf("backup_label%n%s", backup.backupLabel().indent(2));
        return ExitStatus.OK;
    }
}
