package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.page.PageMap;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import io.pgbk.core.seal.ContentDigest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerWriterTest {

    private static final int PAGE = 8192;
    private static final int CHUNK = 64 * 1024;
    private static final Set<OpenOption> READ_WRITE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final FileData ANYWHERE = new FileData(BackupId.parse("20261129T021500Z"), 0, 0, 0, null);

    private static final ExecutorService IO = Executors.newFixedThreadPool(2);

    @TempDir
    Path directory;

    @AfterAll
    static void stopIo() {
        IO.shutdownNow();
    }

    @Test
    void aLargeFileWrittenThroughTheCacheIsHandedToWritebackEvery32MiBWhileItIsWritten() throws IOException {
        int pages = 70 * 1024 * 1024 / PAGE;
        Path file = directory.resolve("16385");
        Files.createFile(file);
        List<Path> writtenBack = new ArrayList<>();
        try (AssemblyFile target = AssemblyFile.open(file, READ_WRITE, false)) {
            new LayerWriter(IO, writtenBack::add).write(new ByteArrayInputStream(pages(pages, 3)), whole((long) pages * PAGE),
                    target, false, null, "base/5/16385");
        }
        assertThat(writtenBack).as("after 32 and 64 MiB").containsExactly(file, file);
    }

    @Test
    void aNewFileIsWrittenPastTheCacheWithItsUnalignedTailThroughIt() throws IOException {
        byte[] content = Arrays.copyOf(pages(5000, 6), 5000 * PAGE - 1000); // 39 MiB, then an incomplete last page
        Path file = directory.resolve("PG_VERSION");
        Files.createFile(file);
        List<Path> writtenBack = new ArrayList<>();
        try (AssemblyFile target = AssemblyFile.open(file, READ_WRITE, true)) {
            long written = new LayerWriter(IO, writtenBack::add).write(new ByteArrayInputStream(content),
                    whole(content.length), target, false, null, "base/5/PG_VERSION");

            assertThat(written).isEqualTo(content.length);
            assertThat(target.bufferedBytes()).as("the tail past the last whole 4 KiB block")
                    .isEqualTo(content.length % AssemblyFile.ALIGNMENT);
        }
        assertThat(writtenBack).as("nothing for writeback to do").isEmpty();
        assertThat(Files.readAllBytes(file)).isEqualTo(content);
    }

    @Test
    void comparingWritesOnlyThePagesThatDiffer() throws IOException {
        byte[] backup = pages(6, 1);
        byte[] existing = backup.clone();
        existing[2 * PAGE + 17] ^= 1;
        existing[5 * PAGE] ^= 1;
        Path file = directory.resolve("16384");
        Files.write(file, Arrays.copyOf(existing, existing.length + 3 * PAGE)); // longer: the caller cuts it

        long written = write(file, whole(backup.length), backup, true);

        assertThat(written).isEqualTo(2 * PAGE);
        assertThat(Arrays.copyOf(Files.readAllBytes(file), backup.length)).isEqualTo(backup);
    }

    @Test
    void withoutComparingEveryPageIsWrittenAndAShortFileIsExtended() throws IOException {
        byte[] backup = pages(3, 2);
        Path file = directory.resolve("16385");
        Files.write(file, new byte[PAGE]);

        assertThat(write(file, whole(backup.length), backup, false)).isEqualTo(backup.length);
        assertThat(Files.readAllBytes(file)).isEqualTo(backup);
    }

    @Test
    void changedPagesGoToTheirBlocksAndCoveredBlocksAreLeftToNewerLayers() throws IOException {
        byte[] base = pages(5, 3);
        byte[] changed = pages(2, 4);
        Path file = directory.resolve("16386");
        Files.write(file, base);
        BitSet covered = new BitSet();
        covered.set(3);
        FileLayer layer = new FileLayer(ANYWHERE, new PageMap(base.length, new int[] {1, 3}), false, covered);

        assertThat(write(file, layer, changed, true)).isEqualTo(PAGE);

        byte[] expected = base.clone();
        System.arraycopy(changed, 0, expected, PAGE, PAGE);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);
    }

    @Test
    void aWholeLayerIsEveryBlockIncludingAnIncompleteLastPage() {
        long size = 2 * PAGE + 100;
        ManifestFile entry = new ManifestFile("base/5/PG_VERSION", EntryKind.FILE, new FileMode(0600), size, null,
                "0".repeat(64), null, new FileData(ANYWHERE.backup(), 0, 512, size, null), null, List.of());

        FileLayer layer = FileLayer.of(entry);

        assertThat(layer.whole()).isTrue();
        assertThat(layer.pages().blocks()).containsExactly(0, 1, 2);
        assertThat(layer.pages().storedSize()).isEqualTo(size);
    }

    @Test
    void theDigestCoversTheWholeFile() throws IOException {
        byte[] content = pages(3, 5);
        Path file = directory.resolve("16387");
        Files.write(file, content);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThat(new LayerWriter(IO, path -> { }).digest(channel))
                    .isEqualTo(ContentDigest.of(new ByteArrayInputStream(content)));
        }
    }

    @Test
    void chunksWrittenInTurnsThroughTwoBuffersAllArriveAtTheirPositions() throws IOException {
        byte[] content = pages(40 * CHUNK / PAGE, 7);
        Path path = directory.resolve("16384");
        Files.createFile(path);
        try (AssemblyFile file = AssemblyFile.open(path, READ_WRITE, true)) {
            DirectWrites writes = new DirectWrites(IO, CHUNK);
            for (int offset = 0; offset < content.length; offset += CHUNK) {
                assertThat(file.takesDirectly(offset, CHUNK)).isTrue();
                writes.write(file, content, offset, CHUNK, offset);
            }
            writes.drain();
            assertThat(file.bufferedBytes()).isZero();
        }
        assertThat(Files.readAllBytes(path)).isEqualTo(content);
    }

    @Test
    void aRefusedDirectWriteIsDoneAgainThroughTheCacheAndSoAreTheFollowingOnes() throws IOException {
        byte[] content = pages(4 * CHUNK / PAGE, 8);
        Path path = directory.resolve("16385");
        Files.createFile(path);
        FileChannel refusing = FileChannel.open(path, StandardOpenOption.WRITE);
        refusing.close(); // every write through it fails, as one a file system rejects does
        try (AssemblyFile file = new AssemblyFile(path, FileChannel.open(path, READ_WRITE), refusing)) {
            DirectWrites writes = new DirectWrites(IO, CHUNK);
            writes.write(file, content, 0, CHUNK, 0);
            writes.drain();
            assertThat(file.bufferedBytes()).as("the refused chunk, again through the cache").isEqualTo(CHUNK);
            assertThat(file.takesDirectly(CHUNK, CHUNK)).as("the file's later writes go through the cache").isFalse();
        }
        assertThat(Files.readAllBytes(path)).isEqualTo(Arrays.copyOf(content, CHUNK));
    }

    private static long write(Path file, FileLayer layer, byte[] stored, boolean compare) throws IOException {
        try (AssemblyFile target = AssemblyFile.open(file, READ_WRITE, !compare)) {
            long written = new LayerWriter(IO, path -> { }).write(new ByteArrayInputStream(stored), layer, target, compare,
                    null, file.getFileName().toString());
            target.channel().truncate(layer.size());
            return written;
        }
    }

    private static FileLayer whole(long size) {
        int[] blocks = new int[(int) PageMap.blockCount(size)];
        Arrays.setAll(blocks, i -> i);
        return new FileLayer(ANYWHERE, new PageMap(size, blocks), true, new BitSet());
    }

    private static byte[] pages(int count, long seed) {
        byte[] bytes = new byte[count * PAGE];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
