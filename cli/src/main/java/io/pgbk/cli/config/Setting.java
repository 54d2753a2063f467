/*
 * One entry of the settings table: a name that is at once the YAML key, the flag (--name) and
 * the environment variable (PGBK_NAME, dashes to underscores), its type, its default, the help
 * text shown by --help and docs, and whether the whole value is a secret.
 *
 * A secret is never accepted from the command line, where every user of the host can read it
 * with ps, and never printed. A type may also find a secret inside an ordinary value (a password
 * in a connection string); the same two rules then apply to that value.
 */
package io.pgbk.cli.config;

import java.util.Locale;
import java.util.Optional;

public record Setting<T>(String name, ValueType<T> type, Optional<T> defaultValue, String help, boolean secret) {

    static final String MASK = "********";

    public static <T> Setting<T> of(String name, ValueType<T> type, String help) {
        return new Setting<>(name, type, Optional.empty(), help, false);
    }

    public static <T> Setting<T> withDefault(String name, ValueType<T> type, T defaultValue, String help) {
        return new Setting<>(name, type, Optional.of(defaultValue), help, false);
    }

    public static Setting<String> secret(String name, ValueType<String> type, String help) {
        return new Setting<>(name, type, Optional.empty(), help, true);
    }

    public String flag() {
        return "--" + name;
    }

    public String environmentVariable() {
        return "PGBK_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Whether text given for this setting may be repeated in a message. */
    public boolean mayEcho() {
        return !secret && !type.mayHoldSecret();
    }

    public boolean isSecret(T value) {
        return secret || type.holdsSecret(value);
    }

    /** The value as shown to a user: masked entirely for a secret, by the type for secrets inside. */
    public String display(T value) {
        return secret ? MASK : type.print(value);
    }

    T parse(String text) {
        return type.parse(text);
    }
}
