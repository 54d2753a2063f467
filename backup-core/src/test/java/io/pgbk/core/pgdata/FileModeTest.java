package io.pgbk.core.pgdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

class FileModeTest {

    @Test
    void convertsBetweenPermissionsOctalAndText() {
        FileMode mode = FileMode.of(PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(mode.bits()).isEqualTo(0750);
        assertThat(mode).hasToString("0750");
        assertThat(FileMode.parse("0600").permissions()).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(FileMode.parse(mode.toString())).isEqualTo(mode);
        assertThat(new FileMode(0)).hasToString("0000");
        assertThat(new FileMode(07)).hasToString("0007");
        assertThat(new FileMode(0777)).hasToString("0777");
    }

    @Test
    void refusesWhatIsNotAPermissionMode() {
        assertThatThrownBy(() -> FileMode.parse("0980")).isInstanceOf(PgbkException.class);
        assertThatThrownBy(() -> new FileMode(01777)).isInstanceOf(IllegalArgumentException.class);
    }
}
