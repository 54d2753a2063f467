/*
 * The settings in effect for one run of pgbk: for each setting of the table the value that won
 * (flag over environment over config file over default) and where it came from. Immutable once
 * read, so a command sees one consistent configuration however long it runs.
 */
package io.pgbk.cli.config;

import io.pgbk.error.PgbkException;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public final class Configuration {

    /** A value in effect and its origin. */
    public record Entry<T>(Setting<T> setting, T value, Origin origin) {

        /** The value as a user may see it, secrets masked. */
        public String display() {
            return setting.display(value);
        }
    }

    private final Map<Setting<?>, Entry<?>> entries;
    private final Optional<Path> file;
    private final String fileHint;

    Configuration(Map<Setting<?>, Entry<?>> entries, Optional<Path> file, String fileHint) {
        this.entries = Map.copyOf(entries);
        this.file = file;
        this.fileHint = fileHint;
    }

    public <T> Optional<T> get(Setting<T> setting) {
        return entry(setting).map(Entry::value);
    }

    /** The value of a setting the command cannot do without; its absence is the user's to fix. */
    public <T> T require(Setting<T> setting) {
        return get(setting).orElseThrow(() -> new PgbkException("no value for '" + setting.name() + "': "
                + (setting.secret() ? "" : "pass " + setting.flag() + ", ")
                + "set " + setting.environmentVariable() + " or add '" + setting.name() + "' to " + fileHint));
    }

    @SuppressWarnings("unchecked")
    public <T> Optional<Entry<T>> entry(Setting<T> setting) {
        return Optional.ofNullable((Entry<T>) entries.get(setting));
    }

    /** Every setting that has a value, in the order of the table. */
    public List<Entry<?>> entries() {
        return Settings.ALL.stream().<Entry<?>>flatMap(setting -> entry(setting).stream()).toList();
    }

    /** The config file that was read, if any. */
    public Optional<Path> file() {
        return file;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Configuration[");
        for (Entry<?> entry : entries()) {
            text.append(entry.setting().name()).append('=').append(entry.display()).append(' ');
        }
        return text.toString().strip() + "]";
    }
}
