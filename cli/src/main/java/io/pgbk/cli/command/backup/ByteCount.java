/*
 * A byte count for people: binary units with one decimal, as du -h and pgBackRest print them.
 */
package io.pgbk.cli.command.backup;

public record ByteCount(long bytes) {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    @Override
    public String toString() {
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format("%.1f %s", value, UNITS[unit]);
    }
}
