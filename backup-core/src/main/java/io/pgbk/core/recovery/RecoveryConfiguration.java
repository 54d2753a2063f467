/*
 * The files that turn a restored data directory into a point-in-time recovery:
 *   postgresql.auto.conf  gains restore_command, the recovery_target_* settings and, unless the
 *                         user asks to preserve it, archive_mode = off;
 *   recovery.signal       makes PostgreSQL recover from the archive, then end recovery;
 *   standby.signal        removed if the backup came from a standby, which would otherwise keep
 *                         the restored server in standby mode forever, never reaching a target.
 *
 * archive_mode is off by default because a restored cluster, once promoted, would push a new
 * timeline into the same repository; later restores with recovery_target_timeline = 'latest'
 * would then follow a test restore's history instead of production's (Barman does the same).
 *
 * restore_command is written for the backup restored: with a target timeline that is a number or
 * 'current' (the backup's), pgbk wal-fetch is told the timeline recovery ends on, so that it can
 * serve that timeline's last segment from its stored .partial (RestoreCommandLine).
 *
 * Settings this class writes replace earlier lines for the same names instead of being added
 * after them: PostgreSQL would take the last one anyway, but a reader of the file would not know
 * which. Every file is written crash-safely (temporary name, fsync, rename, fsync directory).
 */
package io.pgbk.core.recovery;

import io.pgbk.core.wal.TimelineId;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

public final class RecoveryConfiguration {

    public static final String AUTO_CONF = "postgresql.auto.conf";
    public static final String RECOVERY_SIGNAL = "recovery.signal";
    public static final String STANDBY_SIGNAL = "standby.signal";
    private static final String MARK = "# pgbk restore: ";
    private static final Pattern SETTING_LINE = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.]*)\\s*=?.*");
    /** Arguments a shell passes through unquoted. */
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private final RestoreCommandLine restoreCommand;
    private final RecoveryPlan plan;
    private final boolean preserveArchiveMode;

    /** A restore_command that serves every recovery alike (words as in RestoreCommandLine). */
    public RecoveryConfiguration(List<String> restoreCommand, RecoveryPlan plan, boolean preserveArchiveMode) {
        this(RestoreCommandLine.fixed(restoreCommand), plan, preserveArchiveMode);
    }

    public RecoveryConfiguration(RestoreCommandLine restoreCommand, RecoveryPlan plan, boolean preserveArchiveMode) {
        this.restoreCommand = restoreCommand;
        this.plan = plan;
        this.preserveArchiveMode = preserveArchiveMode;
    }

    public RecoveryPlan plan() {
        return plan;
    }

    /** The settings written to postgresql.auto.conf for a backup taken on backupTimeline, in order. */
    public Map<String, String> settings(TimelineId backupTimeline) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("restore_command", restoreCommandLine(plan.timeline().endTimeline(backupTimeline)));
        settings.putAll(plan.settings());
        if (!preserveArchiveMode) {
            settings.put("archive_mode", "off");
        }
        return settings;
    }

    /** The restore_command as the shell will run it. */
    private String restoreCommandLine(Optional<TimelineId> endTimeline) {
        return restoreCommand.words(endTimeline).stream().map(RecoveryConfiguration::shellWord)
                .collect(Collectors.joining(" "));
    }

    /** Writes the settings and the signal files into a data directory restored from a backup taken on backupTimeline. */
    public void writeTo(Path dataDirectory, TimelineId backupTimeline) {
        Path autoConf = dataDirectory.resolve(AUTO_CONF);
        Map<String, String> settings = settings(backupTimeline);
        try {
            List<String> lines = new ArrayList<>(withoutOverridden(existingLines(autoConf), settings.keySet()));
            lines.add(MARK + plan.describe());
            settings.forEach((name, value) -> lines.add(name + " = " + confValue(name, value)));
            write(autoConf, String.join("\n", lines) + "\n");
            write(dataDirectory.resolve(RECOVERY_SIGNAL), "");
            if (Files.deleteIfExists(dataDirectory.resolve(STANDBY_SIGNAL))) {
                AtomicFile.fsyncDirectory(dataDirectory);
            }
        } catch (IOException e) {
            throw new PgbkException("cannot write the recovery settings into " + dataDirectory + ": " + e.getMessage(), e);
        }
    }

    private static List<String> withoutOverridden(List<String> lines, Set<String> overridden) {
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            Matcher setting = SETTING_LINE.matcher(line);
            boolean replaced = setting.matches() && (overridden.contains(setting.group(1))
                    || setting.group(1).startsWith("recovery_target"));
            if (!replaced && !line.startsWith(MARK)) {
                kept.add(line);
            }
        }
        return kept;
    }

    private static List<String> existingLines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of("# Do not edit this file manually!", "# It will be overwritten by the ALTER SYSTEM command.");
        }
    }

    private static void write(Path file, String content) throws IOException {
        try (AtomicFile atomic = AtomicFile.create(file)) {
            atomic.out().write(content.getBytes(StandardCharsets.UTF_8));
            atomic.commit();
        }
    }

    /** Numbers and keywords as they are, everything else single-quoted with quotes doubled (postgresql.conf syntax). */
    private static String confValue(String name, String value) {
        if (value.matches("on|off|[0-9]+") && !name.equals("recovery_target_xid") && !name.equals("recovery_target_name")) {
            return value;
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static String shellWord(String word) {
        if (SHELL_SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\"'\"'") + "'";
    }
}
