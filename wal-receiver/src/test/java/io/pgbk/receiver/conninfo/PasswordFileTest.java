package io.pgbk.receiver.conninfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordFileTest {

    @TempDir
    Path directory;

    private Path passfile(String content, String permissions) throws IOException {
        Path file = directory.resolve("pgpass");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    @Test
    void firstMatchingLineWinsWithWildcardsAndEscapes() throws IOException {
        PasswordFile file = new PasswordFile(passfile("""
                # comment
                db1:5432:postgres:rep:not-for-replication
                db1:5432:replication:rep:first\\:one
                *:*:*:rep:fallback
                """, "rw-------"));

        assertThat(file.passwordFor("db1", 5432, "replication", "rep")).contains("first:one");
        assertThat(file.passwordFor("db2", 5433, "replication", "rep")).contains("fallback");
        assertThat(file.passwordFor("db2", 5433, "replication", "other")).isEmpty();
    }

    @Test
    void aFileOthersCanReadIsIgnored() throws IOException {
        PasswordFile file = new PasswordFile(passfile("*:*:*:*:secret\n", "rw-r--r--"));

        assertThat(file.passwordFor("db1", 5432, "replication", "rep")).isEmpty();
    }

    @Test
    void replicationPasswordFollowsLibpqOrder() throws IOException {
        Path file = passfile("*:*:replication:rep:from-file\n", "rw-------");
        ConnInfo withPassword = ConnInfo.parse("host=db1 user=rep password=inline", Map.of());
        ConnInfo without = ConnInfo.parse("host=db1 user=rep", Map.of());

        assertThat(PasswordFile.replicationPassword(withPassword, Map.of("PGPASSWORD", "env"))).contains("inline");
        assertThat(PasswordFile.replicationPassword(without, Map.of("PGPASSWORD", "env", "PGPASSFILE", file.toString())))
                .contains("env");
        assertThat(PasswordFile.replicationPassword(without, Map.of("PGPASSFILE", file.toString()))).contains("from-file");
        assertThat(PasswordFile.replicationPassword(without, Map.of("PGPASSFILE", directory.resolve("none").toString())))
                .isEmpty();
    }
}
