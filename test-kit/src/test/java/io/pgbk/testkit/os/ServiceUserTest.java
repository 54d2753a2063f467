package io.pgbk.testkit.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceUserTest {

    private final ServiceUser user = ServiceUser.forServers();

    @Test
    void switchesToPostgresExactlyWhenTheJvmIsRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        assertThat(user.switched()).isEqualTo(root);
        assertThat(user.name()).isEqualTo(root ? "postgres" : System.getProperty("user.name"));
        assertThat(user.command(List.of("id", "-un")))
                .isEqualTo(root ? List.of("runuser", "-u", "postgres", "--", "id", "-un") : List.of("id", "-un"));
    }

    @Test
    void createsAPrivateDirectoryOwnedByTheServiceUserAndDeletesItOnClose() throws IOException {
        Path path;
        try (TempDirectory directory = user.createDirectory("service-user-test")) {
            path = directory.path();
            assertThat(path.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath());
            assertThat(Files.getOwner(path).getName()).isEqualTo(user.name());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rwx------");
            LogFile log = new LogFile(path.resolve("touch.log"));
            user.run("touch", List.of("sh", "-c", "touch inside && id -un"), path, log, Duration.ofSeconds(30));
            assertThat(Files.getOwner(path.resolve("inside")).getName()).isEqualTo(user.name());
            assertThat(log.tail(1)).isEqualTo(user.name());
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void aFailingCommandReportsItsStatusAndOutput() {
        try (TempDirectory directory = user.createDirectory("service-user-test")) {
            LogFile log = new LogFile(directory.path().resolve("fail.log"));
            assertThatThrownBy(() -> user.run("failing step", List.of("sh", "-c", "echo it went wrong; exit 3"),
                    directory.path(), log, Duration.ofSeconds(30)))
                    .hasMessageContaining("failing step failed with exit status 3")
                    .hasMessageContaining("it went wrong");
        }
    }

    @Test
    void theServersDoNotSeeTheDevelopersPostgresEnvironment() {
        try (TempDirectory directory = user.createDirectory("service-user-test")) {
            LogFile log = new LogFile(directory.path().resolve("env.log"));
            user.run("env", List.of("sh", "-c", "env | grep -c '^PG' || true"), directory.path(), log, Duration.ofSeconds(30));
            assertThat(log.tail(1)).isEqualTo("0");
        }
    }

    @Test
    void refusesADirectoryTheServiceUserCannotReach() throws IOException {
        Path parent = Files.createTempDirectory("pgbk-private-");
        try {
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
            if (user.switched()) {
                assertThatThrownBy(() -> user.requireTraversable(parent.resolve("data")))
                        .hasMessageContaining("not traversable by the OS user postgres");
            } else {
                user.requireTraversable(parent.resolve("data"));
            }
        } finally {
            new TempDirectory(parent).close();
        }
    }
}
