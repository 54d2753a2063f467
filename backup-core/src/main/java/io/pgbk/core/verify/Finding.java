/*
 * One thing verify found wrong: which object, which file of a backup when it is about a file,
 * and what is wrong, with the expected and the actual value where there are two.
 */
package io.pgbk.core.verify;

/**
 * @param object  the object as the store names it ("main/backups/<id>/parts/0000.tar")
 * @param file    the backup's file (path in the data directory) the problem is about; null for a whole object
 * @param problem what is wrong, e.g. "SHA-256 expected ab12..., actual 9f00..." or "missing"
 */
public record Finding(String object, String file, String problem) {

    public String describe() {
        return (file == null ? "" : file + " in ") + object + ": " + problem;
    }
}
