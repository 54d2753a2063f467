/*
 * The outcome of verifying one subject: a backup (by id) or the WAL archive ("wal"), with the
 * number of objects read so that "OK" says how much was checked.
 */
package io.pgbk.core.verify;

import java.util.List;

public record Verdict(String subject, int objectsRead, List<Finding> findings) {

    public Verdict {
        findings = List.copyOf(findings);
    }

    public boolean ok() {
        return findings.isEmpty();
    }
}
