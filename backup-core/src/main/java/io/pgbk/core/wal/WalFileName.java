/*
 * The files PostgreSQL hands to archive_command and asks of restore_command, told apart by name
 * alone because that is all restore_command gets:
 *   SEGMENT          000000010000000000000002                  a complete WAL segment
 *   PARTIAL          000000010000000000000002.partial          the unfinished last segment of a timeline
 *   HISTORY          0000000A.history                          how timeline 10 branched off
 *   BACKUP_HISTORY   000000010000000000000002.00000028.backup  the start and stop of a base backup
 * Anything else is refused: a name is about to become a repository key, and a typo in
 * restore_command must fail loudly rather than look like a missing segment.
 */
package io.pgbk.core.wal;

import io.pgbk.error.PgbkException;
import java.util.Optional;
import java.util.regex.Pattern;

public record WalFileName(String name, Kind kind) {

    public enum Kind {
        SEGMENT(Pattern.compile("[0-9A-F]{24}")),
        PARTIAL(Pattern.compile("[0-9A-F]{24}\\.partial")),
        HISTORY(Pattern.compile("[0-9A-F]{8}\\.history")),
        BACKUP_HISTORY(Pattern.compile("[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup"));

        private final Pattern pattern;

        Kind(Pattern pattern) {
            this.pattern = pattern;
        }

        /** Whether the file begins with a WAL page header, the only place its origin can be checked. */
        public boolean hasSegmentHeader() {
            return this == SEGMENT || this == PARTIAL;
        }
    }

    public WalFileName {
        Kind actual = classify(name);
        if (actual != kind) {
            throw new IllegalArgumentException(name + " is a " + actual + ", not a " + kind);
        }
    }

    public static WalFileName parse(String name) {
        return new WalFileName(name, classify(name));
    }

    public TimelineId timeline() {
        return TimelineId.parseHex(name.substring(0, 8));
    }

    /** The segment the file belongs to; empty for a timeline history file. */
    public Optional<WalSegmentName> segment() {
        return kind == Kind.HISTORY ? Optional.empty() : Optional.of(WalSegmentName.parse(name.substring(0, 24)));
    }

    @Override
    public String toString() {
        return name;
    }

    private static Kind classify(String name) {
        if (name != null) {
            for (Kind kind : Kind.values()) {
                if (kind.pattern.matcher(name).matches()) {
                    if (name.startsWith("00000000")) {
                        throw notWal(name, "timeline 0 does not exist");
                    }
                    return kind;
                }
            }
        }
        throw notWal(name, "expected a segment (000000010000000000000001), a .partial segment, "
                + "a timeline history file (00000002.history) or a backup history file "
                + "(000000010000000000000002.00000028.backup)");
    }

    private static PgbkException notWal(String name, String why) {
        return new PgbkException("'" + name + "' is not a WAL file name: " + why);
    }
}
