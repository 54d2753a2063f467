package io.pgbk.cli.command.walpush;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** WAL archiving into a repository on the local file system. */
class LocalRepositoryWalArchivingIT extends WalArchivingScenarios {

    private Path repository() {
        return work.path().resolve("repository");
    }

    @Override
    protected void prepareRepository() throws IOException {
        Files.createDirectory(repository());
    }

    @Override
    protected String repositoryConfig() {
        return "repo: " + repository() + "\n";
    }

    @Override
    protected Map<String, String> repositoryState() {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> files = Files.walk(repository())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                state.put(repository().relativize(file).toString(), sha256(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return state;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
