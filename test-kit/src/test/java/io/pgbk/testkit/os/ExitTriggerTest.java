package io.pgbk.testkit.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExitTriggerTest {

    @Test
    void aDisarmedTriggerNeverRuns() {
        try (TempDirectory directory = ServiceUser.forServers().createDirectory("exit-trigger-test")) {
            Path marker = directory.path().resolve("ran");
            ExitTrigger.arm("touch \"$1\"", List.of(marker.toString())).close();
            assertThat(marker).doesNotExist();
        }
    }
}
