package io.pgbk.core.pgdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On a data directory built by hand, with every kind of entry the scanner must keep or leave out. */
class PgdataScannerTest {
    private static final int CATALOG_VERSION = 202209061;

    @TempDir
    Path temp;

    @Test
    void keepsWhatABaseBackupNeedsInADeterministicOrderWithPgControlLast() throws IOException {
        Path pgdata = dataDirectory(temp.resolve("pgdata"));
        Path tablespace = Files.createDirectories(temp.resolve("ts"));
        file(tablespace.resolve("PG_15_" + CATALOG_VERSION + "/5/16500"));
        file(tablespace.resolve("PG_15_" + CATALOG_VERSION + "/5/16501"));
        file(tablespace.resolve("PG_15_" + CATALOG_VERSION + "/5/16501_init"));
        file(tablespace.resolve("PG_14_202107181/5/999"));
        Files.createSymbolicLink(pgdata.resolve("pg_tblspc/16499"), tablespace);
        Files.createSymbolicLink(pgdata.resolve("pg_tblspc/16498"), temp.resolve("dropped"));
        Path statsElsewhere = Files.createDirectories(temp.resolve("stats"));
        file(statsElsewhere.resolve("pgss_query_texts.stat"));
        Files.createSymbolicLink(pgdata.resolve("pg_stat_tmp"), statsElsewhere);
        Files.createSymbolicLink(pgdata.resolve("postgresql.conf.link"), pgdata.resolve("postgresql.conf"));

        PgdataScan scan = new PgdataScanner(pgdata).scan();

        String ts = "pg_tblspc/16499/PG_15_" + CATALOG_VERSION;
        assertThat(scan.entries()).extracting(PgdataEntry::path).containsExactly(
                "PG_VERSION",
                "base", "base/5", "base/5/16384", "base/5/16384.1", "base/5/16385_init", "base/5/PG_VERSION",
                "base/5/pg_filenode.map",
                "global", "global/1262", "global/pg_filenode.map",
                "pg_dynshmem", "pg_notify", "pg_replslot", "pg_serial", "pg_snapshots", "pg_stat", "pg_stat/pgstat.stat",
                "pg_stat_tmp", "pg_subtrans",
                "pg_tblspc", "pg_tblspc/16499", ts, ts + "/5", ts + "/5/16500", ts + "/5/16501_init",
                "pg_wal", "pg_wal/archive_status",
                "pg_xact", "pg_xact/0000",
                "postgresql.auto.conf", "postgresql.conf",
                "global/pg_control");
        assertThat(scan.majorVersion()).isEqualTo("15");
        assertThat(scan.tablespaceVersionDirectory()).isEqualTo("PG_15_" + CATALOG_VERSION);
        assertThat(scan.tablespaces()).containsExactly(new Tablespace(16499, tablespace));
        assertThat(scan.tablespaces().get(0).linkPath()).isEqualTo("pg_tblspc/16499");

        PgdataEntry link = entry(scan, "pg_tblspc/16499");
        assertThat(link.kind()).isEqualTo(EntryKind.SYMLINK);
        assertThat(link.linkTarget()).isEqualTo(tablespace.toString());
        PgdataEntry tablespaceFile = entry(scan, ts + "/5/16500");
        assertThat(tablespaceFile.source()).isEqualTo(tablespace.resolve("PG_15_" + CATALOG_VERSION + "/5/16500"));
        assertThat(tablespaceFile.relation()).contains(new RelationFile(16499, 5, 16500, Fork.MAIN, 0));
        assertThat(entry(scan, "pg_stat_tmp").kind()).isEqualTo(EntryKind.DIRECTORY);
        assertThat(entry(scan, "pg_wal").kind()).isEqualTo(EntryKind.DIRECTORY);
        PgdataEntry segment = entry(scan, "base/5/16384.1");
        assertThat(segment.kind()).isEqualTo(EntryKind.FILE);
        assertThat(segment.size()).isEqualTo(3);
        assertThat(segment.mode()).isEqualTo(new FileMode(0600));
        assertThat(segment.modified()).isEqualTo(Files.getLastModifiedTime(pgdata.resolve("base/5/16384.1")).toInstant());
        assertThat(entry(scan, "base").mode()).isEqualTo(new FileMode(0700));

        assertThat(new PgdataScanner(pgdata).scan()).isEqualTo(scan);
    }

    @Test
    void aDirectoryWithoutPgVersionOrPgControlIsNoDataDirectory() throws IOException {
        Path empty = Files.createDirectories(temp.resolve("empty"));
        assertThatThrownBy(() -> new PgdataScanner(empty).scan()).isInstanceOf(PgbkException.class)
                .hasMessage(empty.toRealPath() + " is not a PostgreSQL data directory: it has no PG_VERSION");
        Files.writeString(empty.resolve("PG_VERSION"), "15\n");
        assertThatThrownBy(() -> new PgdataScanner(empty).scan()).isInstanceOf(PgbkException.class)
                .hasMessageContaining("it has no global/pg_control");
        assertThatThrownBy(() -> new PgdataScanner(temp.resolve("missing")).scan()).isInstanceOf(PgbkException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void filesThatVanishDuringTheWalkAreSkippedNotFatal() throws Exception {
        Path pgdata = dataDirectory(temp.resolve("pgdata"));
        Path database = pgdata.resolve("base/5");
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService churn = Executors.newSingleThreadExecutor(r -> new Thread(r, "churn-relation-files"));
        try {
            Future<?> dropping = churn.submit(() -> {
                for (int i = 0; running.get(); i = (i + 1) % 200) {
                    Path relation = database.resolve(Integer.toString(20000 + i));
                    Path directory = pgdata.resolve("base/" + (30000 + i));
                    Files.write(relation, new byte[] {1});
                    Files.createDirectories(directory.resolve("sub"));
                    Files.delete(relation);
                    Files.delete(directory.resolve("sub"));
                    Files.delete(directory);
                }
                return null;
            });
            for (int scan = 0; scan < 200; scan++) {
                assertThat(new PgdataScanner(pgdata).scan().entries()).extracting(PgdataEntry::path)
                        .contains("base/5/16384", "global/pg_control");
            }
            running.set(false);
            dropping.get(30, TimeUnit.SECONDS);
        } finally {
            running.set(false);
            churn.shutdownNow();
            assertThat(churn.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static PgdataEntry entry(PgdataScan scan, String path) {
        return scan.entries().stream().filter(e -> e.path().equals(path)).findFirst().orElseThrow();
    }

    /** A data directory with every kind of entry, kept and excluded. */
    private static Path dataDirectory(Path pgdata) throws IOException {
        Files.createDirectories(pgdata);
        Files.setPosixFilePermissions(pgdata, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(pgdata.resolve("PG_VERSION"), "15\n");
        Files.write(file(pgdata.resolve("global/pg_control")), ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0, 7_000_000_000L).putInt(8, 1300).putInt(12, CATALOG_VERSION).array());
        List<String> kept = List.of("global/1262", "global/pg_filenode.map", "base/5/16384", "base/5/16384.1",
                "base/5/PG_VERSION", "base/5/pg_filenode.map", "base/5/16385_init", "pg_xact/0000", "pg_stat/pgstat.stat",
                "postgresql.conf", "postgresql.auto.conf");
        List<String> excluded = List.of("postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map",
                "backup_manifest", "postgresql.auto.conf.tmp", "current_logfiles", "current_logfiles.tmp", "standby.signal",
                "recovery.signal", "global/pg_internal.init", "base/5/pg_internal.init.1234", "base/5/t3_16390",
                "base/5/t3_16390_fsm", "base/5/16385", "base/5/16385_fsm", "base/5/16385.1", "base/pgsql_tmp/pgsql_tmp77.0",
                "base/5/pgsql_tmp", "pgsql_tmp_dir/file",
                "pg_wal/000000010000000000000001", "pg_wal/archive_status/000000010000000000000001.done",
                "pg_dynshmem/mmap.1", "pg_notify/0000", "pg_replslot/slot/state", "pg_serial/0000", "pg_snapshots/snap",
                "pg_subtrans/0000");
        for (String path : kept) {
            file(pgdata.resolve(path));
        }
        for (String path : excluded) {
            file(pgdata.resolve(path));
        }
        Files.writeString(pgdata.resolve("base/5/16384.1"), "abc");
        Files.createDirectories(pgdata.resolve("pg_tblspc"));
        for (Path directory : walkDirectories(pgdata)) {
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        }
        return pgdata;
    }

    private static Path file(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[0]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static List<Path> walkDirectories(Path root) throws IOException {
        List<Path> directories = new ArrayList<>();
        try (var paths = Files.walk(root)) {
            paths.filter(Files::isDirectory).forEach(directories::add);
        }
        return directories;
    }
}
