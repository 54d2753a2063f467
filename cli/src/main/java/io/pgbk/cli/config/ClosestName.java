/*
 * "Did you mean": the known name nearest to a misspelt one, by edit distance, when it is near
 * enough to be a plausible typo (at most a third of the name's length, at least one edit).
 */
package io.pgbk.cli.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

record ClosestName(String wrong) {

    Optional<String> among(Collection<String> known) {
        int tolerance = Math.max(1, wrong.length() / 3);
        return known.stream()
                .filter(name -> distance(wrong, name) <= tolerance)
                .min(Comparator.comparingInt((String name) -> distance(wrong, name)).thenComparing(name -> name));
    }

    /** Levenshtein distance, ignoring case. */
    private static int distance(String a, String b) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        int[] previous = new int[y.length() + 1];
        int[] current = new int[y.length() + 1];
        for (int j = 0; j <= y.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= x.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= y.length(); j++) {
                int substitution = previous[j - 1] + (x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[y.length()];
    }
}
