/*
 * The type of a setting: how its text becomes a value, what the user should have written when
 * the text is wrong, and how a value is shown back. Files, the environment and flags all
 * deliver text, so one parser per type serves all three and they cannot disagree.
 *
 * A parser rejects text by throwing IllegalArgumentException (or a PgbkException from the
 * module that owns the concept, such as compression); the reader turns either into one line
 * that names the setting and the origin of the text, followed by `expected`.
 */
package io.pgbk.cli.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

public record ValueType<T>(String label, String expected, Function<String, T> parser,
                           Function<T, String> printer, Optional<Predicate<T>> secretDetector) {

    /** A type whose values never carry a secret. */
    public static <T> ValueType<T> of(String label, String expected, Function<String, T> parser,
                                      Function<T, String> printer) {
        return new ValueType<>(label, expected, parser, printer, Optional.empty());
    }

    /** A type whose values may carry a secret (a password inside a connection string). */
    public static <T> ValueType<T> withSecrets(String label, String expected, Function<String, T> parser,
                                               Function<T, String> maskingPrinter, Predicate<T> holdsSecret) {
        return new ValueType<>(label, expected, parser, maskingPrinter, Optional.of(holdsSecret));
    }

    /** Text matching a pattern; `expected` describes the pattern to a person. */
    public static ValueType<String> text(String label, String expected, Pattern pattern) {
        return of(label, expected, text -> {
            if (!pattern.matcher(text).matches()) {
                throw new IllegalArgumentException(expected);
            }
            return text;
        }, Function.identity());
    }

    /** A file-system path, made absolute against the working directory of the command. */
    public static ValueType<Path> path() {
        return of("PATH", "a file-system path", text -> {
            try {
                return Path.of(text).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }, Path::toString);
    }

    public static ValueType<Integer> integer(int min, int max) {
        String expected = "a whole number from " + min + " to " + max;
        return of("N", expected, text -> {
            int value = Integer.parseInt(text.trim());
            if (value < min || value > max) {
                throw new IllegalArgumentException(expected);
            }
            return value;
        }, String::valueOf);
    }

    /** true/false; yes/no and on/off as well, because YAML and shell users write those. */
    public static ValueType<Boolean> bool() {
        return of("BOOL", "true or false", text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("true or false");
        }, String::valueOf);
    }

    /** One of a fixed list of words, matched without regard to case, returned as listed. */
    public static ValueType<String> choice(String... values) {
        List<String> choices = List.of(values);
        String expected = choices.size() == 2
                ? choices.get(0) + " or " + choices.get(1)
                : String.join(", ", choices.subList(0, choices.size() - 1)) + " or " + choices.get(choices.size() - 1);
        return of("WORD", expected, text -> choices.stream()
                .filter(choice -> choice.equalsIgnoreCase(text.trim()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(expected)), Function.identity());
    }

    /** An http:// or https:// URL with a host. */
    public static ValueType<URI> httpUrl() {
        String expected = "an http:// or https:// URL such as http://127.0.0.1:9000";
        return of("URL", expected, text -> {
            try {
                URI uri = new URI(text.trim());
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                    throw new IllegalArgumentException(expected);
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(expected, e);
            }
        }, URI::toString);
    }

    public T parse(String text) {
        return parser.apply(text);
    }

    /** The value as `pgbk config` shows it; secrets inside the value are masked by the printer. */
    public String print(T value) {
        return printer.apply(value);
    }

    public boolean holdsSecret(T value) {
        return secretDetector.map(detector -> detector.test(value)).orElse(false);
    }

    /** Whether text of this type must never be repeated in a message, since it may be secret. */
    public boolean mayHoldSecret() {
        return secretDetector.isPresent();
    }
}
