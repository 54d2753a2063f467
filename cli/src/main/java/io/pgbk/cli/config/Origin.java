/*
 * Where a setting's value came from. Every error about a value names its origin, so that a user
 * with a config file, an environment and a command line knows which of the three to fix, and
 * `pgbk config` shows it next to each value.
 */
package io.pgbk.cli.config;

public record Origin(Kind kind, String name) {

    public enum Kind { DEFAULT, FILE, ENVIRONMENT, FLAG }

    public static Origin byDefault() {
        return new Origin(Kind.DEFAULT, "default");
    }

    public static Origin file(String path) {
        return new Origin(Kind.FILE, path);
    }

    public static Origin environment(String variable) {
        return new Origin(Kind.ENVIRONMENT, variable);
    }

    public static Origin flag(String flag) {
        return new Origin(Kind.FLAG, flag);
    }

    /** The origin inside a sentence: "in /etc/pgbk/pgbk.yaml", "from PGBK_REPO", "from --repo". */
    public String phrase() {
        return switch (kind) {
            case DEFAULT -> "by default";
            case FILE -> "in " + name;
            case ENVIRONMENT, FLAG -> "from " + name;
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
