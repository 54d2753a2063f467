/*
 * What reading one backup.json costs a JVM that has just started, as every backup, restore and
 * catalog command does: the first read (classes loaded and run cold) and, for comparison, the
 * same read warm. Run it against any repository's manifest, with the flags of the command you
 * care about (backup --type incr and restore run C1 only):
 *
 *   mvn -q -B -o -DskipTests package -pl cli -am
 *   java -XX:TieredStopAtLevel=1 -cp cli/target/pgbk.jar bench/ManifestColdRead.java REPO/CLUSTER/backups/ID/backup.json
 *
 * Source-file mode compiles this file first, in the same JVM: absolute times include nothing of
 * that, but the JVM is warmer than a real start. Compare builds with the same command.
 */

import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.ManifestJson;
import io.pgbk.core.seal.UnsealingInputStream;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

public final class ManifestColdRead {
    public static void main(String[] args) throws Exception {
        byte[] stored = Files.readAllBytes(Path.of(args[0]));
        for (int round = 0; round < 6; round++) {
            long start = System.nanoTime();
            ManifestJson json = new ManifestJson();
            BackupManifest manifest = json.read(UnsealingInputStream.open(new ByteArrayInputStream(stored), args[0]),
                    args[0]);
            long read = System.nanoTime();
            byte[] written = json.write(manifest);
            long end = System.nanoTime();
            System.out.printf("%s: read %.1f ms, write %.1f ms (%d files, %d bytes)%n", round == 0 ? "cold" : "warm",
                    (read - start) / 1e6, (end - read) / 1e6, manifest.files().size(), written.length);
        }
    }
}
