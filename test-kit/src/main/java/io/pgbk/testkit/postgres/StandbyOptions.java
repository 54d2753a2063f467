package io.pgbk.testkit.postgres;

import java.util.Objects;
import java.util.Optional;

/**
 * How a standby follows its primary. Streaming: {@code pg_basebackup -R} writes
 * {@code primary_conninfo}, optionally through a physical slot that pg_basebackup creates, so the
 * primary keeps the WAL the standby still needs. Archive only: no {@code primary_conninfo}, just
 * {@code standby.signal} and a {@code restore_command}, so everything the standby replays comes
 * from the archive (how a restored node catches up before it may stream).
 */
public record StandbyOptions(PostgresOptions server, boolean streams, Optional<String> slot) {

    public StandbyOptions {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(slot, "slot");
        if (!streams && slot.isPresent()) {
            throw new IllegalArgumentException("a replication slot needs a streaming standby");
        }
        if (!streams && !server.settings().containsKey("restore_command")) {
            throw new IllegalArgumentException("an archive-only standby needs a restore_command");
        }
    }

    public static StandbyOptions streaming() {
        return new StandbyOptions(PostgresOptions.defaults(), true, Optional.empty());
    }

    /**
     * Replays what {@code restoreCommand} fetches. The standby asks again for a segment that is not
     * archived yet every 100 ms, not every 5 s as PostgreSQL does by default, so tests wait less.
     */
    public static StandbyOptions archiveOnly(String restoreCommand) {
        PostgresOptions server = PostgresOptions.defaults()
                .withSetting("restore_command", restoreCommand)
                .withSetting("wal_retrieve_retry_interval", "100ms");
        return new StandbyOptions(server, false, Optional.empty());
    }

    /** Streams through the physical replication slot {@code name}, which pg_basebackup creates on the primary. */
    public StandbyOptions withSlot(String name) {
        return new StandbyOptions(server, streams, Optional.of(name));
    }

    public StandbyOptions withSetting(String name, String value) {
        return new StandbyOptions(server.withSetting(name, value), streams, slot);
    }

    public StandbyOptions withServer(PostgresOptions options) {
        return new StandbyOptions(options, streams, slot);
    }
}
