package io.pgbk.testkit.postgres;

import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a test wants its PostgreSQL server: the WAL segment size for {@code initdb} (1 MiB by default,
 * so tests that fill, switch and archive segments stay small), whether {@code initdb} turns data
 * checksums on (by default; off for tests of what changes without them, such as hint bits written
 * without WAL), {@code postgresql.conf} settings
 * (e.g. {@code archive_mode}, {@code archive_command}, {@code restore_command}; plain values, the kit
 * quotes them), how long any wait may take, and the clock those waits are measured with.
 */
public record PostgresOptions(int walSegmentSizeMb, boolean dataChecksums, Map<String, String> settings, Duration timeout,
                              Clock clock) {

    public PostgresOptions {
        if (walSegmentSizeMb < 1 || Integer.bitCount(walSegmentSizeMb) != 1 || walSegmentSizeMb > 1024) {
            throw new IllegalArgumentException("WAL segment size must be a power of 2 between 1 and 1024 MB, not " + walSegmentSizeMb);
        }
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(clock, "clock");
    }

    public static PostgresOptions defaults() {
        return new PostgresOptions(1, true, Map.of(), Duration.ofSeconds(60), Clock.systemUTC());
    }

    public PostgresOptions withWalSegmentSizeMb(int megabytes) {
        return new PostgresOptions(megabytes, dataChecksums, settings, timeout, clock);
    }

    /**
     * A cluster that {@code initdb} makes without data checksums: with {@code wal_log_hints} off
     * too (the default), setting hint bits then writes pages without WAL and without a new page LSN.
     */
    public PostgresOptions withoutDataChecksums() {
        return new PostgresOptions(walSegmentSizeMb, false, settings, timeout, clock);
    }

    /** Adds or replaces one setting; later settings are written later, so they win. */
    public PostgresOptions withSetting(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(settings);
        more.remove(name);
        more.put(name, value);
        return new PostgresOptions(walSegmentSizeMb, dataChecksums, more, timeout, clock);
    }

    public PostgresOptions withSettings(Map<String, String> more) {
        PostgresOptions options = this;
        for (Map.Entry<String, String> setting : more.entrySet()) {
            options = options.withSetting(setting.getKey(), setting.getValue());
        }
        return options;
    }

    /** The longest any start, stop or wait of the cluster may take before it fails. */
    public PostgresOptions withTimeout(Duration limit) {
        return new PostgresOptions(walSegmentSizeMb, dataChecksums, settings, limit, clock);
    }

    public PostgresOptions withClock(Clock time) {
        return new PostgresOptions(walSegmentSizeMb, dataChecksums, settings, timeout, time);
    }
}
