/*
 * Where a started recovery stopped, as PostgreSQL reports it: its state (promoted, paused or
 * shut down), the last WAL position replayed, the commit time of the last transaction replayed,
 * the timeline, and the server's own "recovery stopping ..." lines, which name the transaction
 * or restore point that ended it.
 */
package io.pgbk.core.recovery;

import java.util.List;
import java.util.Optional;

public record RecoveryOutcome(String state, Optional<String> lastReplayedLsn, Optional<String> lastTransactionTime,
        Optional<String> timeline, List<String> stopMessages) {

    public RecoveryOutcome {
        stopMessages = List.copyOf(stopMessages);
    }

    public String describe() {
        StringBuilder text = new StringBuilder("recovery ").append(state);
        lastReplayedLsn.ifPresent(lsn -> text.append(", last replayed LSN ").append(lsn));
        lastTransactionTime.ifPresent(time -> text.append(", last transaction committed at ").append(time));
        timeline.ifPresent(timeline -> text.append(", timeline ").append(timeline));
        return text.toString();
    }
}
