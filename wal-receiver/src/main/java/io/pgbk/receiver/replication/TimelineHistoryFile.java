/*
 * A timeline history file as TIMELINE_HISTORY returns it: the name PostgreSQL gives it
 * ("00000002.history") and its bytes, to be archived as they are.
 */
package io.pgbk.receiver.replication;

import java.nio.charset.StandardCharsets;

public record TimelineHistoryFile(String fileName, byte[] content) {

    public TimelineHistoryFile {
        content = content.clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    public String text() {
        return new String(content, StandardCharsets.UTF_8);
    }
}
