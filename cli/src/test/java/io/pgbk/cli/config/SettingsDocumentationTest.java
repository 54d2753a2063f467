package io.pgbk.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/configuration.md's table of settings names exactly the settings pgbk accepts. */
class SettingsDocumentationTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9-]+)` \\|", Pattern.MULTILINE);

    @Test
    void everySettingHasARowAndEveryRowIsASetting() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        List<String> documented = ROW.matcher(doc).results().map(match -> match.group(1))
                .filter(name -> !name.startsWith("-")).toList();
        List<String> settings = Settings.ALL.stream().map(Setting::name).toList();

        assertThat(documented).containsExactlyInAnyOrderElementsOf(settings);
    }
}
