package io.pgbk.core.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.archive.PushResult.Outcome;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealCheck;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.wal.SyntheticSegment;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalSegmentName;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import io.pgbk.storage.local.LocalObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalArchiveTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofBytes(1024 * 1024);
    private static final long SYSTEM = 7_312_345_678_901_234_567L;
    private static final long OTHER_SYSTEM = 7_399_999_999_999_999_999L;

    @TempDir
    Path root;
    @TempDir
    Path pgWal;
    @TempDir
    Path restored;
    private LocalObjectStore store;
    private WalArchive archive;

    @BeforeEach
    void open() {
        store = new LocalObjectStore(root);
        archive = new WalArchive(Repository.open(store, "main"), Compression.DEFAULT);
    }

    @Test
    void pushesAndFetchesEveryKindOfWalFile() throws IOException {
        Path segment = segment("000000010000000000000001", SYSTEM, 1);
        Path partial = pgWal.resolve("000000010000000000000002.partial");
        Files.write(partial, header("000000010000000000000002", SYSTEM).bytes(300_000, 2));
        Path history = Files.writeString(pgWal.resolve("00000002.history"), "1\t0/2000000\tno recovery target specified\n");
        Path backup = Files.writeString(pgWal.resolve("000000010000000000000001.00000028.backup"),
                "START WAL LOCATION: 0/1000028 (file 000000010000000000000001)\n");

        for (Path file : List.of(segment, partial, history, backup)) {
            PushResult result = archive.push(file);
            assertThat(result.outcome()).isEqualTo(Outcome.STORED);
            assertThat(result.digest().length()).isEqualTo(Files.size(file));
            assertThat(result.digest().check()).isEqualTo(SealCheck.CRC32C);
            assertThat(archive.fetch(file.getFileName().toString(), restored.resolve("RECOVERYXLOG"))).isTrue();
            assertThat(restored.resolve("RECOVERYXLOG")).hasSameBinaryContentAs(file);
        }
        assertThat(store.list("main/").stream().map(ObjectInfo::key)).containsExactly(
                "main/cluster.json",
                "main/wal/0000000100000000/000000010000000000000001",
                "main/wal/0000000100000000/000000010000000000000001.00000028.backup",
                "main/wal/0000000100000000/000000010000000000000002.partial",
                "main/wal/00000002.history");
        assertThat(archive.stat("000000010000000000000001")).map(ObjectInfo::size)
                .contains(Files.size(root.resolve("main/wal/0000000100000000/000000010000000000000001")));
        assertThat(listing(restored)).containsExactly("RECOVERYXLOG");
    }

    @Test
    void aRepushIsComparedWithAnObjectSealedWithSha256ByAnEarlierVersion() throws IOException {
        Path segment = segment("000000010000000000000001", SYSTEM, 1);
        archive.push(segment); // claims the repository for SYSTEM
        Path other = segment("000000010000000000000002", SYSTEM, 2);
        Repository repository = Repository.open(store, "main");
        String key = Repository.walKey(WalFileName.parse("000000010000000000000002"));
        assertThat(repository.putIfAbsent(key, new SealingInputStream(Files.newInputStream(other), Compression.parse("zstd"))))
                .isTrue();

        PushResult again = archive.push(other);
        assertThat(again.outcome()).isEqualTo(Outcome.ALREADY_ARCHIVED);
        assertThat(again.digest().check()).isEqualTo(SealCheck.SHA256);
        Files.write(other, header("000000010000000000000002", SYSTEM).bytes(SIZE.bytes(), 7));
        assertThatThrownBy(() -> archive.push(other)).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("WAL file 000000010000000000000002 is already archived with different content");
        assertThat(archive.fetch("000000010000000000000002", restored.resolve("RECOVERYXLOG"))).isTrue();
    }

    @Test
    void anIdenticalRepushSucceedsAndDifferentContentIsRefusedLeavingTheArchiveUnchanged() throws IOException {
        Path segment = segment("000000010000000000000001", SYSTEM, 1);
        archive.push(segment);
        Path object = root.resolve("main/wal/0000000100000000/000000010000000000000001");
        byte[] before = Files.readAllBytes(object);

        PushResult again = new WalArchive(Repository.open(store, "main"), Compression.parse("lz4")).push(segment);
        assertThat(again.outcome()).isEqualTo(Outcome.ALREADY_ARCHIVED);
        assertThat(Files.readAllBytes(object)).isEqualTo(before);

        byte[] changed = Files.readAllBytes(segment);
        int nearTheEnd = (int) SIZE.bytes() - 2;
        changed[nearTheEnd] ^= 1;
        Files.write(segment, changed);
        assertThatThrownBy(() -> archive.push(segment)).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("WAL file 000000010000000000000001 is already archived with different content ("
                        + "they differ from byte " + nearTheEnd + " on")
                .hasMessageEndingWith("): not overwritten");
        assertThat(Files.readAllBytes(object)).isEqualTo(before);

        Path history = Files.writeString(pgWal.resolve("00000002.history"), "1\t0/2000000\tbefore\n");
        archive.push(history);
        Files.writeString(history, "1\t0/3000000\tafter\n");
        assertThatThrownBy(() -> archive.push(history)).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("WAL file 00000002.history is already archived with different content");
    }

    @Test
    void refusesASegmentOfAnotherSystemAndStoresNothing() throws IOException {
        archive.push(segment("000000010000000000000001", SYSTEM, 1));
        List<ObjectInfo> before = store.list("");

        Path foreign = segment("000000010000000000000002", OTHER_SYSTEM, 2);
        assertThatThrownBy(() -> archive.push(foreign)).isInstanceOf(PgbkException.class)
                .hasMessage("repository file://" + root + " cluster 'main' belongs to system " + SYSTEM
                        + ", WAL file 000000010000000000000002 comes from system " + OTHER_SYSTEM
                        + ": refusing to mix clusters");
        assertThatThrownBy(() -> new WalArchive(Repository.open(store, "main"), Compression.DEFAULT).push(foreign))
                .hasMessageContaining(Long.toString(SYSTEM)).hasMessageContaining(Long.toString(OTHER_SYSTEM));
        assertThat(store.list("")).isEqualTo(before);
    }

    @Test
    void refusesFilesThatCannotBeProvenToBelongHere() throws IOException {
        Path history = Files.writeString(pgWal.resolve("00000002.history"), "1\t0/2000000\treason\n");
        assertThatThrownBy(() -> archive.push(history)).isInstanceOf(PgbkException.class)
                .hasMessage("cannot archive 00000002.history: file://" + root + " cluster 'main' holds no WAL segment "
                        + "yet, so which cluster it belongs to is unknown; archive a segment first");

        Path shortSegment = Files.write(pgWal.resolve("000000010000000000000001"),
                header("000000010000000000000001", SYSTEM).bytes(4096, 1));
        assertThatThrownBy(() -> archive.push(shortSegment)).isInstanceOf(PgbkException.class)
                .hasMessage("WAL file 000000010000000000000001 has 4096 bytes, but its header says segments have "
                        + SIZE.bytes() + ": refusing an incomplete or damaged segment");

        Path misnamed = pgWal.resolve("000000010000000000000005");
        Files.write(misnamed, header("000000010000000000000001", SYSTEM).bytes(SIZE.bytes(), 1));
        assertThatThrownBy(() -> archive.push(misnamed)).isInstanceOf(PgbkException.class)
                .hasMessage("WAL file 000000010000000000000005 starts with the page of 0/100000, but its name means "
                        + "0/500000: refusing a misnamed or recycled segment");

        Path zeros = Files.write(pgWal.resolve("000000010000000000000006"), new byte[SIZE.bytes()]);
        assertThatThrownBy(() -> archive.push(zeros)).isInstanceOf(PgbkException.class)
                .hasMessage("WAL file 000000010000000000000006 has no WAL page header (it starts with zeros)");

        assertThatThrownBy(() -> archive.push(pgWal.resolve("000000010000000000000007")))
                .isInstanceOf(PgbkException.class)
                .hasMessage("WAL file " + pgWal.resolve("000000010000000000000007") + " does not exist");
        assertThatThrownBy(() -> archive.push(pgWal.resolve("notwal"))).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("'notwal' is not a WAL file name");
        // Unreadable whatever the user (the build may run as root, which reads any file): a directory.
        Path unreadable = Files.createDirectory(pgWal.resolve("000000010000000000000008"));
        assertThatThrownBy(() -> archive.push(unreadable)).isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("cannot read WAL file " + unreadable + ": ");
        assertThat(store.list("")).isEmpty();
    }

    @Test
    void fetchOfAMissingFileReturnsFalseAndCreatesNothing() {
        assertThat(archive.fetch("000000010000000000000009", restored.resolve("RECOVERYXLOG"))).isFalse();
        assertThat(archive.stat("000000010000000000000009")).isEmpty();
        assertThat(listing(restored)).isEmpty();
        assertThatThrownBy(() -> archive.fetch("../../etc/passwd", restored.resolve("x")))
                .isInstanceOf(PgbkException.class).hasMessageStartingWith("'../../etc/passwd' is not a WAL file name");
    }

    @Test
    void aCorruptObjectFailsTheFetchAndLeavesTheDestinationUntouched() throws IOException {
        archive.push(segment("000000010000000000000001", SYSTEM, 1));
        Path object = root.resolve("main/wal/0000000100000000/000000010000000000000001");
        byte[] stored = Files.readAllBytes(object);
        stored[stored.length / 2] ^= 0x10;
        Files.write(object, stored);

        Path destination = Files.writeString(restored.resolve("RECOVERYXLOG"), "previous content");
        assertThatThrownBy(() -> archive.fetch("000000010000000000000001", destination))
                .isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("object main/wal/0000000100000000/000000010000000000000001 is corrupt: ");
        assertThat(destination).hasContent("previous content");
        assertThat(listing(restored)).containsExactly("RECOVERYXLOG");
    }

    @Test
    void aSegmentOfTheTimelineRecoveryEndsOnIsServedFromItsPartialZeroPaddedAndNeverForAnotherTimeline()
            throws IOException {
        Path complete = segment("000000010000000000000001", SYSTEM, 1);
        archive.push(complete);
        byte[] lastWal = header("000000010000000000000002", SYSTEM).bytes(300_000, 2);
        archive.push(Files.write(pgWal.resolve("000000010000000000000002.partial"), lastWal));
        Path destination = restored.resolve("RECOVERYXLOG");

        assertThat(archive.fetch("000000010000000000000002", destination)).isFalse();
        assertThat(archive.fetch("000000010000000000000002", destination, Optional.of(new TimelineId(2)))).isFalse();
        assertThat(archive.fetch("000000020000000000000002", destination, Optional.of(new TimelineId(2)))).isFalse();
        assertThat(archive.fetch("000000010000000000000003", destination, Optional.of(TimelineId.FIRST))).isFalse();
        assertThat(listing(restored)).isEmpty();

        assertThat(archive.fetch("000000010000000000000002", destination, Optional.of(TimelineId.FIRST))).isTrue();
        byte[] served = Files.readAllBytes(destination);
        assertThat(served).hasSize((int) SIZE.bytes());
        assertThat(Arrays.copyOf(served, lastWal.length)).isEqualTo(lastWal);
        assertThat(Arrays.copyOfRange(served, lastWal.length, served.length)).containsOnly((byte) 0);
        assertThat(archive.fetch("000000010000000000000001", destination, Optional.of(TimelineId.FIRST))).isTrue();
        assertThat(destination).hasSameBinaryContentAs(complete);

        Path object = root.resolve("main/wal/0000000100000000/000000010000000000000002.partial");
        byte[] stored = Files.readAllBytes(object);
        stored[stored.length / 2] ^= 0x10;
        Files.write(object, stored);
        assertThatThrownBy(() -> archive.fetch("000000010000000000000002", destination, Optional.of(TimelineId.FIRST)))
                .isInstanceOf(PgbkException.class).hasMessageContaining("000000010000000000000002.partial is corrupt");
        assertThat(destination).hasSameBinaryContentAs(complete);
    }

    @Test
    void batchesReportEachFileInOrder() throws IOException {
        List<Path> files = List.of(
                segment("000000010000000000000001", SYSTEM, 1),
                segment("000000010000000000000002", SYSTEM, 2),
                segment("000000010000000000000003", OTHER_SYSTEM, 3),
                segment("000000010000000000000004", SYSTEM, 4));
        archive.push(files.get(0)); // claims the repository for SYSTEM before the batch races

        List<Attempt<PushResult>> pushed = archive.pushAll(files, 2);
        assertThat(pushed).extracting(Attempt::walName).containsExactly("000000010000000000000001",
                "000000010000000000000002", "000000010000000000000003", "000000010000000000000004");
        assertThat(pushed).extracting(Attempt::succeeded).containsExactly(true, true, false, true);
        assertThat(pushed.get(0).result()).map(PushResult::outcome).contains(Outcome.ALREADY_ARCHIVED);
        assertThat(pushed.get(1).result()).map(PushResult::outcome).contains(Outcome.STORED);
        assertThat(pushed.get(2).failure()).get().extracting(Throwable::getMessage).asString()
                .contains("refusing to mix clusters");

        List<Attempt<Boolean>> fetched = archive.fetchAll(List.of("000000010000000000000001",
                "000000010000000000000002", "000000010000000000000003", "000000010000000000000004"), restored, 3);
        assertThat(fetched).extracting(attempt -> attempt.result().orElseThrow()).containsExactly(true, true, false, true);
        assertThat(restored.resolve("000000010000000000000004")).hasSameBinaryContentAs(files.get(3));
        assertThat(listing(restored)).containsExactly("000000010000000000000001", "000000010000000000000002",
                "000000010000000000000004");
    }

    private Path segment(String name, long system, long seed) throws IOException {
        return header(name, system).write(pgWal, name, seed);
    }

    private static SyntheticSegment header(String name, long system) {
        return SyntheticSegment.of(system, WalSegmentName.parse(name), SIZE);
    }

    private static List<String> listing(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
