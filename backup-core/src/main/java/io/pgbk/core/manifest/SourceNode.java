/*
 * The server a backup was taken from, as its session reported it: a backup from a standby needs
 * WAL streamed from the primary, which is worth knowing when reading a catalog.
 */
package io.pgbk.core.manifest;

/**
 * @param host    host name or address used to connect (or the socket directory)
 * @param port    port used to connect
 * @param standby true when the server was in recovery when the backup started
 * @param version server_version, e.g. "15.8"
 */
public record SourceNode(String host, int port, boolean standby, String version) {

    @Override
    public String toString() {
        return host + ":" + port + (standby ? " (standby)" : " (primary)");
    }
}
