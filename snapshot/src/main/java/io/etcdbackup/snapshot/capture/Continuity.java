package io.etcdbackup.snapshot.capture;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.stores.ObjectStore;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether capture can continue the newest generation or must start a new one. A
 * generation is one continuous revision history; continuity is proved, never assumed: same
 * cluster id as the generation's newest full snapshot, and etcd's revision not behind the
 * generation's last revision. (A compacted watch is detected later, by the watch itself.)
 */
public final class Continuity {

    /**
     * The outcome.
     *
     * @param generation   the generation to continue, if continuity holds
     * @param lastRevision its last captured revision (deltas continue at the next one)
     * @param reason       why a new generation is needed, if it is
     */
    public record Decision(Optional<Generation> generation, long lastRevision, String reason) {
        public boolean continues() {
            return generation.isPresent();
        }

        static Decision continueWith(Generation generation) {
            return new Decision(Optional.of(generation), generation.lastRevision(), "");
        }

        static Decision startNew(String reason) {
            return new Decision(Optional.empty(), 0, reason);
        }
    }

    private Continuity() {
    }

    public static Decision decide(Catalog catalog, MemberStatus status) throws IOException {
        // One read of the index answers both questions below; without an index, the listing.
        Optional<CatalogState> index = catalog.index();
        List<Generation> generations = index.isPresent() ? index.get().toGenerations() : catalog.generationsFromListing();
        Optional<Generation> latest = generations.isEmpty() ? Optional.empty() : Optional.of(generations.get(generations.size() - 1));
        if (latest.isEmpty()) {
            return Decision.startNew("no backups in the store yet");
        }
        Generation generation = latest.get();
        Optional<FullSnapshotRef> full = generation.latestFull();
        if (full.isEmpty()) {
            return Decision.startNew("generation " + generation.id() + " has no full snapshot (its first one never completed)");
        }
        Optional<GenerationInfo> info = index.isPresent()
                ? index.get().generation(generation.id()).map(CatalogState.GenerationEntry::info)
                : catalog.generationInfo(generation.id());
        long sourceCluster = info.map(GenerationInfo::clusterId).orElse(0L);
        if (sourceCluster == 0) {
            try {
                sourceCluster = SnapshotObjectReader.readHeader(catalog.store(), full.get().key()).clusterId();
            } catch (CorruptObjectException e) {
                return Decision.startNew("the newest full snapshot of generation " + generation.id() + " is unreadable: " + e.getMessage());
            }
        }
        if (sourceCluster != status.clusterId()) {
            return Decision.startNew("etcd cluster id changed from " + Long.toUnsignedString(sourceCluster, 16) + " to "
                    + Long.toUnsignedString(status.clusterId(), 16) + " (restored or replaced cluster)");
        }
        if (status.revision() < generation.lastRevision()) {
            return Decision.startNew("etcd revision " + status.revision() + " is behind the backups' last revision "
                    + generation.lastRevision() + " (etcd was restored to an earlier point)");
        }
        return Decision.continueWith(generation);
    }
}
