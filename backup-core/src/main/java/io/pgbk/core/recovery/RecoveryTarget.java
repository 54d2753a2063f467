/*
 * Where recovery stops: one of PostgreSQL's recovery targets, or none at all (replay to the end
 * of the archived WAL). Each kind knows the recovery_target_* setting it becomes and whether
 * recovery_target_inclusive means anything for it (only for time, LSN and xid: PostgreSQL
 * ignores it for a restore point and for 'immediate').
 *
 * A target is parsed from what the user typed, once, here, so that a typo fails before any file
 * is touched instead of after PostgreSQL has started and refused its configuration.
 */
package io.pgbk.core.recovery;

import io.pgbk.core.wal.Lsn;
import io.pgbk.error.PgbkException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

public sealed interface RecoveryTarget {

    /** The recovery_target* setting for this target; empty for the end of WAL. */
    Map<String, String> settings();

    /** Whether recovery_target_inclusive applies to this kind of target. */
    default boolean hasEdge() {
        return false;
    }

    /** For messages: "time 2026-11-29 12:00:00+00". */
    String describe();

    /** Replay everything the archive has. */
    record EndOfWal() implements RecoveryTarget {
        @Override
        public Map<String, String> settings() {
            return Map.of();
        }

        @Override
        public String describe() {
            return "the end of the archived WAL";
        }
    }

    /** Stop as soon as the backup is consistent. */
    record Immediate() implements RecoveryTarget {
        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target", "immediate");
        }

        @Override
        public String describe() {
            return "the end of the backup (immediate)";
        }
    }

    record AtTime(TargetTime time) implements RecoveryTarget {
        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_time", time.toPostgres());
        }

        @Override
        public boolean hasEdge() {
            return true;
        }

        @Override
        public String describe() {
            return "time " + time.toPostgres();
        }
    }

    record AtLsn(Lsn lsn) implements RecoveryTarget {
        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_lsn", lsn.toString());
        }

        @Override
        public boolean hasEdge() {
            return true;
        }

        @Override
        public String describe() {
            return "LSN " + lsn;
        }
    }

    /** A transaction id, possibly epoch-qualified as txid_current() prints it (PostgreSQL keeps the low 32 bits). */
    record AtXid(long xid) implements RecoveryTarget {
        private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");
        /** FirstNormalTransactionId: lower ids are never assigned to a user's transaction. */
        private static final long FIRST_NORMAL = 3;

        public AtXid {
            if (xid < FIRST_NORMAL) {
                throw new PgbkException("invalid transaction id " + xid + ": transactions are numbered from "
                        + FIRST_NORMAL);
            }
        }

        static AtXid parse(String text) {
            if (!DIGITS.matcher(text).matches()) {
                throw new PgbkException("invalid transaction id '" + text + "': expected a number such as 7423");
            }
            return new AtXid(Long.parseLong(text));
        }

        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_xid", Long.toString(xid));
        }

        @Override
        public boolean hasEdge() {
            return true;
        }

        @Override
        public String describe() {
            return "transaction " + xid;
        }
    }

    /** A restore point made by pg_create_restore_point(name). */
    record AtName(String name) implements RecoveryTarget {
        /** MAXFNAMELEN - 1: PostgreSQL's limit on a restore point's name. */
        private static final int MAX_LENGTH = 63;

        public AtName {
            if (name.isEmpty() || name.length() > MAX_LENGTH) {
                throw new PgbkException("invalid restore point name '" + name + "': expected 1 to " + MAX_LENGTH
                        + " characters");
            }
        }

        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_name", name);
        }

        @Override
        public String describe() {
            return "restore point '" + name + "'";
        }
    }

    /**
     * The target chosen by command-line options, each given as text or empty: at most one of
     * time, lsn, xid, name or target (whose only value is "immediate"); none means the end of WAL.
     */
    static RecoveryTarget fromOptions(Optional<String> time, Optional<String> lsn, Optional<String> xid,
            Optional<String> name, Optional<String> target, Clock clock) {
        Map<String, String> given = new LinkedHashMap<>();
        time.ifPresent(value -> given.put("--target-time", value));
        lsn.ifPresent(value -> given.put("--target-lsn", value));
        xid.ifPresent(value -> given.put("--target-xid", value));
        name.ifPresent(value -> given.put("--target-name", value));
        target.ifPresent(value -> given.put("--target", value));
        if (given.size() > 1) {
            throw new PgbkException("choose one recovery target, not " + String.join(" and ", given.keySet()));
        }
        if (given.isEmpty()) {
            return new EndOfWal();
        }
        Map.Entry<String, String> only = given.entrySet().iterator().next();
        String value = only.getValue().strip();
        return switch (only.getKey()) {
            case "--target-time" -> new AtTime(TargetTime.parse(value, clock));
            case "--target-lsn" -> new AtLsn(Lsn.parse(value));
            case "--target-xid" -> AtXid.parse(value);
            case "--target-name" -> new AtName(value);
            default -> {
                if (!value.equals("immediate")) {
                    throw new PgbkException("invalid --target '" + value + "': the only value is 'immediate' "
                            + "(use --target-time, --target-lsn, --target-xid or --target-name for the others)");
                }
                yield new Immediate();
            }
        };
    }
}
