/*
 * Reads the configuration of one run from its three sources and checks all of it before any
 * command starts: a typo in a key or a value fails the run with a message naming the key and
 * where it was written, instead of being ignored and surprising the user much later (an archive
 * that silently goes to the default place is worse than an archive_command that fails).
 *
 * Precedence: a command-line flag wins over the environment, which wins over the config file,
 * which wins over the table's default. The config file is --config, else $PGBK_CONFIG, else the
 * system-wide file when it exists. Every value given is validated, including those overridden.
 */
package io.pgbk.cli.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgbk.error.PgbkException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

public final class ConfigurationReader {

    /** The environment variable naming the config file; the only PGBK_ variable that is not a setting. */
    public static final String CONFIG_VARIABLE = "PGBK_CONFIG";

    private static final String PREFIX = "PGBK_";

    private final Map<String, String> environment;
    private final Path systemFile;

    /**
     * @param environment the process environment (injected so tests need not change their own)
     * @param systemFile  the config file read when neither --config nor PGBK_CONFIG names one
     */
    public ConfigurationReader(Map<String, String> environment, Path systemFile) {
        this.environment = Map.copyOf(environment);
        this.systemFile = systemFile;
    }

    /**
     * @param fileFlag the --config flag, if given
     * @param flags    the settings given as flags, as their text
     */
    public Configuration read(Optional<Path> fileFlag, Map<Setting<?>, String> flags) {
        Optional<Path> file = chooseFile(fileFlag);
        Map<Setting<?>, Configuration.Entry<?>> entries = new HashMap<>();
        for (Setting<?> setting : Settings.ALL) {
            setting.defaultValue().ifPresent(value -> entries.put(setting, defaultEntry(setting)));
        }
        file.ifPresent(path -> fromFile(path).forEach(entry -> entries.put(entry.setting(), entry)));
        fromEnvironment().forEach(entry -> entries.put(entry.setting(), entry));
        fromFlags(flags).forEach(entry -> entries.put(entry.setting(), entry));
        String fileHint = file.map(Path::toString).orElse("the config file (" + systemFile + ")");
        return new Configuration(entries, file, fileHint);
    }

    private static <T> Configuration.Entry<T> defaultEntry(Setting<T> setting) {
        return new Configuration.Entry<>(setting, setting.defaultValue().orElseThrow(), Origin.byDefault());
    }

    private Optional<Path> chooseFile(Optional<Path> fileFlag) {
        if (fileFlag.isPresent()) {
            return Optional.of(existing(fileFlag.get(), "--config"));
        }
        String variable = environment.getOrDefault(CONFIG_VARIABLE, "");
        if (!variable.isEmpty()) {
            return Optional.of(existing(Path.of(variable), CONFIG_VARIABLE));
        }
        return Files.exists(systemFile) ? Optional.of(systemFile) : Optional.empty();
    }

    private static Path existing(Path file, String namedBy) {
        if (!Files.exists(file)) {
            throw new PgbkException("config file " + file + " (from " + namedBy + ") does not exist");
        }
        return file;
    }

    private List<Configuration.Entry<?>> fromFile(Path file) {
        Origin origin = Origin.file(file.toString());
        JsonNode root = parseYaml(file);
        if (root == null || root.isMissingNode() || root.isNull()) {
            return List.of();
        }
        if (!root.isObject()) {
            throw new PgbkException("config file " + file + " must map setting names to values, such as 'repo: /var/lib/pgbk'");
        }
        List<Configuration.Entry<?>> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            Setting<?> setting = Settings.named(key).orElseThrow(() -> new PgbkException("unknown setting '" + key
                    + "' " + origin.phrase() + suggestion(key, Settings.ALL.stream().map(Setting::name).toList(), "'")));
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            if (!value.isValueNode()) {
                throw new PgbkException("'" + key + "' " + origin.phrase() + " must be a single value, not a list or a mapping");
            }
            entries.add(parse(setting, value.asText(), origin));
        }
        return entries;
    }

    private static JsonNode parseYaml(Path file) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        try (InputStream in = Files.newInputStream(file)) {
            return yaml.readTree(in);
        } catch (JsonProcessingException e) {
            // Only the position: the parser's own message quotes the offending line, which may hold a secret.
            JsonLocation at = e.getLocation();
            String what = String.valueOf(e.getOriginalMessage()).startsWith("Duplicate field") ? "a setting appears twice" : "not valid YAML";
            throw new PgbkException("config file " + file + ": " + what
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (NoSuchFileException e) {
            throw new PgbkException("config file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new PgbkException("config file " + file + " is not readable by this user");
        } catch (IOException e) {
            throw new PgbkException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** An empty variable means "not set", so that `PGBK_X= pgbk ...` can hide a value of the file. */
    private List<Configuration.Entry<?>> fromEnvironment() {
        List<String> known = Settings.ALL.stream().map(Setting::environmentVariable).toList();
        List<Configuration.Entry<?>> entries = new ArrayList<>();
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (!name.startsWith(PREFIX) || name.equals(CONFIG_VARIABLE)) {
                continue;
            }
            Setting<?> setting = Settings.ALL.stream()
                    .filter(candidate -> candidate.environmentVariable().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new PgbkException("unknown environment variable " + name + suggestion(name, known, "")));
            if (!variable.getValue().isBlank()) {
                entries.add(parse(setting, variable.getValue(), Origin.environment(name)));
            }
        }
        return entries;
    }

    private static List<Configuration.Entry<?>> fromFlags(Map<Setting<?>, String> flags) {
        return Settings.ALL.stream().filter(flags::containsKey).<Configuration.Entry<?>>map(setting -> {
            if (setting.secret()) {
                throw new PgbkException("'" + setting.name() + "' cannot be given on the command line, where other users can read it: set "
                        + setting.environmentVariable() + " or put it in the config file");
            }
            Configuration.Entry<?> entry = parse(setting, flags.get(setting), Origin.flag(setting.flag()));
            if (holdsSecret(entry)) {
                throw new PgbkException("a password in '" + setting.name() + "' cannot be given on the command line, where other users can read it: set "
                        + setting.environmentVariable() + ", put it in the config file, or use PGPASSWORD or ~/.pgpass");
            }
            return entry;
        }).toList();
    }

    private static <T> boolean holdsSecret(Configuration.Entry<T> entry) {
        return entry.setting().type().holdsSecret(entry.value());
    }

    private static <T> Configuration.Entry<T> parse(Setting<T> setting, String text, Origin origin) {
        try {
            return new Configuration.Entry<>(setting, setting.parse(text), origin);
        } catch (IllegalArgumentException | PgbkException e) {
            String detail = e instanceof PgbkException && e.getMessage() != null && !e.getMessage().contains(text.trim())
                    ? " (" + e.getMessage() + ")" : "";
            throw new PgbkException("bad value " + (setting.mayEcho() ? "'" + text + "' " : "") + "for '" + setting.name() + "' "
                    + origin.phrase() + ": expected " + setting.type().expected() + detail);
        }
    }

    private static String suggestion(String wrong, List<String> known, String quote) {
        return new ClosestName(wrong).among(known).map(name -> " (did you mean " + quote + name + quote + "?)").orElse("");
    }
}
