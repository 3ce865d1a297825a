package io.etcdbackup.snapshot.catalog;

import io.etcdbackup.snapshot.format.ObjectHeader;
import io.etcdbackup.snapshot.format.ObjectKind;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.stores.ObjectStore;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds catalog contents from the objects themselves: from their names (cheap: one listing),
 * or from their headers (every object's header is read and checked against its name).
 */
public final class CatalogRebuild {

    private CatalogRebuild() {
    }

    /** The generations found by listing, as an unpublished version 0 (epoch 0). */
    static CatalogState fromListing(ObjectStore store, Instant now) throws IOException {
        Catalog listing = new Catalog(store);
        List<CatalogState.GenerationEntry> entries = new ArrayList<>();
        for (Generation generation : listing.generationsFromListing()) {
            GenerationInfo info = listing.generationInfo(generation.id()).orElse(
                    new GenerationInfo(generation.id(), "found in the store without a generation record", now, 0,
                            generation.fulls().isEmpty() ? 0 : generation.fulls().get(0).revision(), null));
            entries.add(new CatalogState.GenerationEntry(info, generation.fulls(), generation.deltas()));
        }
        return new CatalogState(CatalogState.FORMAT_VERSION, 0, 0, "rebuild", now, entries, List.of());
    }

    /**
     * What {@code catalog rebuild} found: the objects indexed and those skipped (unreadable
     * header, or a header that contradicts the object's name), with why.
     */
    public record Result(int indexed, java.util.Map<String, String> skipped, long version) {
    }

    /**
     * Re-indexes every object from its header and publishes the result as the newest catalog
     * version with a new epoch (the rebuilding process takes over the catalog). Objects indexed
     * again leave the removal list; delta segments are indexed at level 0 (their header does not
     * record a merge level).
     */
    public static Result rebuildFromHeaders(ObjectStore store, CatalogWriter writer, Instant now) throws IOException {
        Catalog listing = new Catalog(store);
        java.util.Map<String, String> skipped = new java.util.TreeMap<>();
        List<CatalogState.GenerationEntry> entries = new ArrayList<>();
        int indexed = 0;
        for (Generation generation : listing.generationsFromListing()) {
            List<FullSnapshotRef> fulls = new ArrayList<>();
            List<DeltaSegmentRef> deltas = new ArrayList<>();
            long clusterId = 0;
            for (FullSnapshotRef full : generation.fulls()) {
                String problem = check(store, full.key(), ObjectKind.FULL, full.revision(), full.revision());
                if (problem == null) {
                    fulls.add(full);
                    clusterId = SnapshotObjectReader.readHeader(store, full.key()).clusterId();
                } else {
                    skipped.put(full.key(), problem);
                }
            }
            for (DeltaSegmentRef delta : generation.deltas()) {
                String problem = check(store, delta.key(), ObjectKind.DELTA, delta.firstRevision(), delta.lastRevision());
                if (problem == null) {
                    deltas.add(delta);
                } else {
                    skipped.put(delta.key(), problem);
                }
            }
            indexed += fulls.size() + deltas.size();
            long cluster = clusterId;
            GenerationInfo info = listing.generationInfo(generation.id()).orElse(new GenerationInfo(generation.id(),
                    "found by catalog rebuild without a generation record", now, cluster, fulls.isEmpty() ? 0 : fulls.get(0).revision(), null));
            entries.add(new CatalogState.GenerationEntry(info, fulls, deltas));
        }
        // An object indexed again must not stay on the removal list, or retention would delete an
        // indexed object after its grace period (e.g. a merged segment's originals: the chain
        // tolerates the overlap, not a missing object).
        java.util.Set<String> indexedKeys = new java.util.HashSet<>();
        entries.forEach(g -> {
            g.fulls().forEach(f -> indexedKeys.add(f.key()));
            g.deltas().forEach(d -> indexedKeys.add(d.key()));
        });
        writer.acquire();
        CatalogState published = writer.update(base -> new CatalogState(CatalogState.FORMAT_VERSION, base.sequence(), base.epoch(),
                base.writer(), base.updatedAt(), entries, base.removed().stream().filter(r -> !indexedKeys.contains(r.key())).toList()));
        return new Result(indexed, skipped, published.sequence());
    }

    private static String check(ObjectStore store, String key, ObjectKind kind, long first, long last) {
        try {
            ObjectHeader header = SnapshotObjectReader.readHeader(store, key);
            if (header.kind() != kind || header.firstRevision() != first || header.lastRevision() != last && kind != ObjectKind.FULL) {
                return "header says " + header.kind() + " " + header.firstRevision() + ".." + header.lastRevision() + ", name says "
                        + kind + " " + first + ".." + last;
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }
}
