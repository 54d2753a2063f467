package io.pgbk.testkit.os;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The output file of a process the test kit started. Its tail goes into failure messages, so a test
 * that fails because a server refused to start says why; reading starts near the end because a
 * server log can grow large in a long test.
 */
public record LogFile(Path path) {

    private static final int TAIL_BYTES = 64 * 1024;

    /** Current size in bytes, 0 when the file does not exist yet; a mark for {@link #since(long)}. */
    public long size() {
        try {
            return Files.size(path);
        } catch (NoSuchFileException missing) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What was written after {@code mark} (a value of {@link #size()}). */
    public String since(long mark) {
        return read(mark);
    }

    /** The last {@code lines} lines, or a note that the file is empty or missing. */
    public String tail(int lines) {
        String text = read(Math.max(0, size() - TAIL_BYTES));
        if (text.isBlank()) {
            return "(" + path + " is empty)";
        }
        List<String> all = Arrays.asList(text.split("\n"));
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private String read(long from) {
        try (InputStream in = Files.newInputStream(path)) {
            in.skipNBytes(from);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException missing) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
