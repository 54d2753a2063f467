/*
 * How far back a restore must stay possible, written as a number and a unit ("7d", "12h",
 * "30m"): the unit is required, since "7" could mean days to one operator and hours to another.
 */
package io.pgbk.core.retention;

import io.pgbk.error.PgbkException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record RetentionWindow(Duration length) {

    private static final Pattern TEXT = Pattern.compile("([0-9]{1,6})([dhm])");

    public RetentionWindow {
        if (length.isNegative() || length.isZero()) {
            throw new PgbkException("a retention window must be longer than zero, not " + length);
        }
    }

    public static RetentionWindow parse(String text) {
        Matcher matcher = TEXT.matcher(text == null ? "" : text.strip());
        if (!matcher.matches()) {
            throw new PgbkException("invalid retention window '" + text + "': expected a number and a unit, "
                    + "d (days), h (hours) or m (minutes), e.g. 7d");
        }
        long amount = Long.parseLong(matcher.group(1));
        return new RetentionWindow(switch (matcher.group(2)) {
            case "d" -> Duration.ofDays(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofMinutes(amount);
        });
    }

    @Override
    public String toString() {
        long minutes = length.toMinutes();
        if (minutes % (24 * 60) == 0) {
            return minutes / (24 * 60) + "d";
        }
        return minutes % 60 == 0 ? minutes / 60 + "h" : minutes + "m";
    }
}
