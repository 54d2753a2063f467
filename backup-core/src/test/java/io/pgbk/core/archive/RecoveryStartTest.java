package io.pgbk.core.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.testkit.postgres.PostgresBinaries;
import io.pgbk.testkit.postgres.PostgresCluster;
import io.pgbk.testkit.postgres.PostgresOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryStartTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofBytes(1024 * 1024);

    @TempDir
    Path copy;

    @Test
    void aBackupLabelNamesTheStartElsePgControlsRedoPointUnlessArchiveRecoveryIsUnderWay()
            throws IOException, InterruptedException {
        try (PostgresCluster cluster = PostgresCluster.initdb("recoverystart", PostgresOptions.defaults().withWalSegmentSizeMb(1))) {
            Files.createDirectories(copy.resolve("global"));
            byte[] control = Files.readAllBytes(cluster.dataDirectory().resolve("global/pg_control"));
            Files.write(copy.resolve("global/pg_control"), control);

            assertThat(RecoveryStart.of(copy, SIZE)).contains(WalSegmentName.parse(redoSegment(copy)));

            Files.writeString(copy.resolve("backup_label"), String.join("\n", List.of(
                    "START WAL LOCATION: 0/5000028 (file 000000030000000000000005)",
                    "CHECKPOINT LOCATION: 0/5000060", "BACKUP METHOD: streamed", "")));
            assertThat(RecoveryStart.of(copy, SIZE)).contains(WalSegmentName.parse("000000030000000000000005"));

            Files.delete(copy.resolve("backup_label"));
            ByteBuffer.wrap(control).order(ByteOrder.nativeOrder()).putInt(16, 5);
            Files.write(copy.resolve("global/pg_control"), control);
            assertThat(RecoveryStart.of(copy, SIZE)).as("DB_IN_ARCHIVE_RECOVERY").isEmpty();
        }
    }

    @Test
    void nothingIsKnownOutsideADataDirectory() {
        assertThat(RecoveryStart.of(copy, SIZE)).isEmpty();
    }

    /** What pg_controldata says. */
    private static String redoSegment(Path dataDirectory) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(PostgresBinaries.find().tool("pg_controldata"), "-D", dataDirectory.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        Matcher redo = Pattern.compile("Latest checkpoint's REDO WAL file: *([0-9A-F]{24})").matcher(output);
        assertThat(redo.find()).as(output).isTrue();
        return redo.group(1);
    }
}
