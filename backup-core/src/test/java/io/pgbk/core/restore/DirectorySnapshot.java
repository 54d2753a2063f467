package io.pgbk.core.restore;

import io.pgbk.core.seal.ContentDigest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A directory's names and contents (SHA-256 of each file), to prove that a refused restore left it as it was. */
record DirectorySnapshot(Map<String, String> entries) {

    static DirectorySnapshot of(Path root) {
        Map<String, String> entries = new TreeMap<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            entries.put("", "missing");
            return new DirectorySnapshot(entries);
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.forEach(path -> entries.put(root.relativize(path).toString(), describe(path)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DirectorySnapshot(entries);
    }

    private static String describe(Path path) {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return "directory";
        }
        try (InputStream in = Files.newInputStream(path)) {
            return ContentDigest.of(in).sha256();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
