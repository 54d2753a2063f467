/*
 * Reads the times of a manifest (every file's modification time) back into Instants.
 * Instant.parse goes through a DateTimeFormatter, which in a JVM that has just started cost a
 * restore 20 ms or more for a thousand files, most of it before the first byte is written. The
 * manifest holds Instant.toString's own form ("2026-11-30T10:00:20.885678618Z": four-digit
 * year, UTC, 0 to 9 fraction digits), which is read here digit by digit; any other form goes to
 * Instant.parse, which also gives the message for a malformed one.
 */
package io.pgbk.core.manifest;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

final class InstantText {

    private static final int SECONDS_END = "2026-11-30T10:00:20".length();
    private static final int MAX_FRACTION_DIGITS = 9;

    private InstantText() {
    }

    static Instant parse(String text) {
        int length = text.length();
        if (length < SECONDS_END + 1 || length > SECONDS_END + 2 + MAX_FRACTION_DIGITS
                || text.charAt(length - 1) != 'Z' || !separatorsAt(text)) {
            return Instant.parse(text);
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        int nanos = 0;
        if (length > SECONDS_END + 1) {
            int fractionDigits = length - SECONDS_END - 2;
            if (text.charAt(SECONDS_END) != '.' || fractionDigits == 0) {
                return Instant.parse(text);
            }
            nanos = digits(text, SECONDS_END + 1, fractionDigits);
            for (int i = fractionDigits; i < MAX_FRACTION_DIGITS && nanos >= 0; i++) {
                nanos *= 10;
            }
        }
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59 || nanos < 0) {
            return Instant.parse(text);
        }
        try {
            long days = LocalDate.of(year, month, day).toEpochDay();
            return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
        } catch (DateTimeException e) {
            return Instant.parse(text);
        }
    }

    private static boolean separatorsAt(String text) {
        return text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T' && text.charAt(13) == ':'
                && text.charAt(16) == ':';
    }

    /** The decimal number of count digits at from, or -1 if any of them is not a digit. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
