/*
 * The order in which a restore reads a backup chain's parts so that each is read once, front to
 * back. Every file of the backup becomes a stack of layers (FileLayer), oldest first: the whole
 * copy some backup stored, then the changed pages each newer incremental stored. The parts are
 * read in phases, the oldest backup's first: a phase streams each of its parts (in parallel) and
 * applies every layer the part holds, so that by the time a backup's changed pages are written,
 * the older layers of the same file are in place.
 *
 * This needs each file's layers to come from ever newer backups, which is how backups are made
 * (an incremental stores changed pages in its own parts; an unchanged file refers to an older
 * part, with no older layer below it). A layer repeated by a newer entry (a file found unchanged
 * whose entry was copied from its parent) is applied once.
 */
package io.pgbk.core.restore;

import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.error.PgbkException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

record LayerPlan(List<RestoredFile> files, List<Map<String, List<Slice>>> phases) {

    /** One layer of one file, as the part that holds it serves it. */
    record Slice(RestoredFile file, FileLayer layer) {
    }

    /**
     * @param locate  a manifest path's place in the data directory
     * @param inPlace a delta restore
     */
    static LayerPlan of(BackupChain chain, Function<String, Path> locate, boolean inPlace) {
        List<RestoredFile> files = new ArrayList<>();
        List<Map<String, List<Slice>>> byDepth = new ArrayList<>();
        for (int depth = 0; depth < chain.length(); depth++) {
            byDepth.add(new LinkedHashMap<>());
        }
        for (ManifestFile entry : chain.head().files()) {
            if (entry.kind() != EntryKind.FILE) {
                continue;
            }
            RestoredFile file = new RestoredFile(entry, locate.apply(entry.path()), layers(chain, entry), inPlace);
            files.add(file);
            int previousDepth = Integer.MAX_VALUE;
            for (FileLayer layer : file.layers()) {
                int depth = chain.depthOf(layer.data().backup());
                if (depth >= previousDepth) {
                    throw new PgbkException("the layers of " + entry.path() + " in backup " + chain.head().id()
                            + " do not come from ever newer backups: its manifest is damaged");
                }
                previousDepth = depth;
                byDepth.get(depth).computeIfAbsent(layer.data().partKey(), key -> new ArrayList<>())
                        .add(new Slice(file, layer));
            }
        }
        List<Map<String, List<Slice>>> phases = new ArrayList<>(byDepth);
        Collections.reverse(phases);
        phases.removeIf(Map::isEmpty);
        return new LayerPlan(List.copyOf(files), List.copyOf(phases));
    }

    /**
     * A phase's parts, those with the most to write first: the pool takes tasks in this order, and a
     * part holding a 1 GiB file that starts last is restored alone while the other workers idle
     * (longest-processing-time-first, as the backup's CopyQueue).
     */
    static List<Map.Entry<String, List<Slice>>> largestFirst(Map<String, List<Slice>> phase) {
        return phase.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, List<Slice>> part) -> part.getValue().stream()
                        .mapToLong(slice -> slice.layer().writtenSize()).sum()).reversed())
                .toList();
    }

    /** The entry's layers, oldest first, each knowing the blocks that newer ones write again. */
    private static List<FileLayer> layers(BackupChain chain, ManifestFile entry) {
        List<FileLayer> newestFirst = new ArrayList<>();
        Optional<ManifestFile> current = Optional.of(entry);
        for (int depth = 1; current.isPresent(); depth++) {
            FileLayer layer = FileLayer.of(current.get());
            if (newestFirst.isEmpty() || !newestFirst.get(newestFirst.size() - 1).samePagesAs(layer)) {
                newestFirst.add(layer);
            }
            current = layer.whole() ? Optional.empty()
                    : chain.file(depth, entry.path()).filter(parent -> parent.kind() == EntryKind.FILE);
        }
        List<FileLayer> oldestFirst = new ArrayList<>();
        BitSet newerBlocks = new BitSet();
        for (int i = 0; i < newestFirst.size(); i++) {
            FileLayer layer = newestFirst.get(i);
            oldestFirst.add(0, newerBlocks.isEmpty() ? layer : layer.coveredBy(newerBlocks));
            if (i + 1 < newestFirst.size()) {
                layer.addBlocksTo(newerBlocks);
            }
        }
        return oldestFirst;
    }
}
