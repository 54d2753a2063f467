/*
 * The segment a recovery about to start in a data directory reads first, so that recovery's very
 * first restore_command (a timeline history probe, before any segment) can already start the
 * prefetcher at the right place instead of leaving that to the first segment's JVM.
 *
 * A base backup's redo point is in backup_label ("START WAL LOCATION: 0/2000028 (file
 * 000000010000000000000002)"); without one, recovery starts at the redo point of pg_control's
 * latest checkpoint, on that checkpoint's timeline (ControlFileData: state at byte 16, then
 * checkPointCopy.redo at 40 and checkPointCopy.ThisTimeLineID at 48, in this machine's byte
 * order). Those offsets are read only when pg_control_version (byte 8) is one whose layout is
 * known (1300: PostgreSQL 13 to 16); any other version gives nothing, which costs the first
 * segment a JVM and no more. A directory whose pg_control says archive recovery is under way gives
 * nothing either: its recovery is past that point, and its next segment request will say where it is.
 */
package io.pgbk.core.archive;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class RecoveryStart {

    private static final Pattern LABEL_START = Pattern.compile(
            "^START WAL LOCATION: [0-9A-F]+/[0-9A-F]+ \\(file ([0-9A-F]{24})\\)$", Pattern.MULTILINE);
    private static final int DB_IN_ARCHIVE_RECOVERY = 5;
    private static final int CONTROL_VERSION = 8;
    private static final int KNOWN_CONTROL_VERSION = 1300;
    private static final int STATE = 16;
    private static final int REDO = 40;
    private static final int REDO_TIMELINE = 48;

    private RecoveryStart() {
    }

    /** The first segment recovery of dataDirectory will read; empty when that is not known before it asks. */
    public static Optional<WalSegmentName> of(Path dataDirectory, WalSegmentSize size) {
        Optional<String> label = new DurableText(dataDirectory.resolve("backup_label")).read();
        if (label.isPresent()) {
            Matcher start = LABEL_START.matcher(label.get());
            return start.find() ? Optional.of(WalSegmentName.parse(start.group(1))) : Optional.empty();
        }
        if (!Files.exists(dataDirectory.resolve("global/pg_control"))) {
            return Optional.empty();
        }
        ByteBuffer control = ControlFileIdentity.head(dataDirectory, REDO_TIMELINE + Integer.BYTES);
        if (control.getInt(CONTROL_VERSION) != KNOWN_CONTROL_VERSION
                || control.getInt(STATE) == DB_IN_ARCHIVE_RECOVERY) {
            return Optional.empty();
        }
        TimelineId timeline = new TimelineId(Integer.toUnsignedLong(control.getInt(REDO_TIMELINE)));
        return Optional.of(WalSegmentName.from(timeline, new Lsn(control.getLong(REDO)), size));
    }
}
