/*
 * One stored part of a backup: a sealed, compressed tar holding the content of several files (or
 * of one big file), listed so that verify can check every object without reading any file entry.
 */
package io.pgbk.core.manifest;

/**
 * @param number     the part's number in its backup
 * @param tarSize    bytes of the uncompressed tar stream
 * @param storedSize bytes of the sealed object in the repository
 * @param sha256     hex SHA-256 of the uncompressed tar stream, as the object's trailer records it
 */
public record PartInfo(int number, long tarSize, long storedSize, String sha256) {
}
