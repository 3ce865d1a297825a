package io.etcdbackup.snapshot.copy;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Which part of the source's catalog a copy takes (see {@link BackupCopier}'s contract). */
final class CopySelection {

    private CopySelection() {
    }

    /**
     * The generations to copy, oldest first, each with its selected full snapshots and the delta
     * segments after the oldest of them; generations with no selected full snapshot are left out.
     */
    static List<Generation> choose(List<Generation> generations, BackupCopier.Selection selection, Instant now) {
        List<FullSnapshotRef> fulls = new ArrayList<>();
        generations.forEach(g -> fulls.addAll(g.fulls()));
        fulls.sort(Comparator.comparing(FullSnapshotRef::createdAt));
        List<FullSnapshotRef> young = fulls.stream()
                .filter(f -> selection.maxAge().map(age -> !f.createdAt().isBefore(now.minus(age))).orElse(true)).toList();
        int keep = selection.maxFullSnapshots().map(n -> Math.min(n, young.size())).orElse(young.size());
        Set<String> chosen = new HashSet<>();
        young.subList(young.size() - keep, young.size()).forEach(f -> chosen.add(f.key()));

        List<Generation> result = new ArrayList<>();
        for (Generation generation : generations) {
            List<FullSnapshotRef> selected = generation.fulls().stream().filter(f -> chosen.contains(f.key())).toList();
            if (selected.isEmpty()) {
                continue;
            }
            long from = selected.stream().mapToLong(FullSnapshotRef::revision).min().orElseThrow();
            List<DeltaSegmentRef> deltas = generation.deltas().stream().filter(d -> d.lastRevision() > from).toList();
            result.add(new Generation(generation.id(), selected, deltas));
        }
        return result;
    }
}
