package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of a {@link RetentionPolicy}: what stays and what goes.
 *
 * @param keptFulls          full snapshots to keep, oldest generation first, by revision
 * @param keptDeltas         delta segments to keep, oldest generation first, by first revision
 * @param deletions          objects to delete, in a safe order: oldest generation first; within a
 *                           generation full snapshots, then delta segments, then (when the
 *                           generation goes whole) its {@code generation.json}. Stopping part way
 *                           leaves no delta segment without the full snapshot before it and no
 *                           generation without its {@code generation.json}.
 * @param deletedGenerations ids of the generations deleted whole, oldest first
 */
public record RetentionDecision(List<FullSnapshotRef> keptFulls, List<DeltaSegmentRef> keptDeltas,
                                List<Deletion> deletions, List<String> deletedGenerations) {

    public RetentionDecision {
        keptFulls = List.copyOf(keptFulls);
        keptDeltas = List.copyOf(keptDeltas);
        deletions = List.copyOf(deletions);
        deletedGenerations = List.copyOf(deletedGenerations);
    }

    /**
     * One object to delete.
     *
     * @param key        object key
     * @param type       what it is
     * @param generation its generation
     * @param size       its size in bytes; 0 for a {@code generation.json}, whose size the catalog
     *                   does not know
     * @param reason     why, for logs and the index ("beyond the newest 7 full snapshots")
     */
    public record Deletion(String key, BackupLayout.KeyType type, String generation, long size, String reason) {
        public Deletion {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Keys of {@link #deletions()}, in the same order. */
    public List<String> deletedKeys() {
        return deletions.stream().map(Deletion::key).toList();
    }

    /** Whether executing this decision deletes nothing. */
    public boolean deletesNothing() {
        return deletions.isEmpty();
    }

    /** Bytes freed by the deletions (generation files count as 0). */
    public long deletedBytes() {
        return deletions.stream().mapToLong(Deletion::size).sum();
    }

    /** Why a key is deleted, or empty when it is not. */
    public Optional<String> reasonFor(String key) {
        return deletions.stream().filter(d -> d.key().equals(key)).map(Deletion::reason).findFirst();
    }
}
