package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.snapshot.format.ObjectKind;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.stores.ObjectStore;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;

/**
 * Re-reads backups and checks them end to end (every byte against the object's SHA-256, lengths,
 * header against name, delta events decodable), then says what is verifiably restorable.
 * Capture verified etcd's own hash before publishing a full snapshot, so a full snapshot whose
 * object checksum holds is the database etcd sent.
 */
public final class CatalogVerifier {

    /**
     * One generation's result.
     *
     * @param generation             its id
     * @param checked                objects read
     * @param skipped                objects not read (sampling)
     * @param failures               objects that failed, with why
     * @param newestRestorableRevision the highest revision reachable from a verified full
     *                               snapshot through verified, contiguous delta segments
     */
    public record Report(String generation, int checked, int skipped, Map<String, String> failures,
                         OptionalLong newestRestorableRevision) {
    }

    private final ObjectStore store;
    private final ObjectEncryption encryption;

    /** Verifies objects in the clear; an encrypted one fails, naming its key. */
    public CatalogVerifier(ObjectStore store) {
        this(store, ObjectEncryption.NONE);
    }

    /** Verifies objects in the clear and authenticates encrypted ones with {@code encryption}'s keys. */
    public CatalogVerifier(ObjectStore store, ObjectEncryption encryption) {
        this.store = store;
        this.encryption = encryption;
    }

    /**
     * Verifies the objects of {@code generations}.
     *
     * @param sample fraction of objects to read, in (0, 1]; newest full snapshots are always read
     */
    public List<Report> verify(List<Generation> generations, double sample, Random random) {
        if (!(sample > 0 && sample <= 1)) {
            throw new IllegalArgumentException("sample must be in (0, 1], got " + sample);
        }
        List<Report> reports = new ArrayList<>();
        for (Generation generation : generations) {
            Map<String, Boolean> verified = new HashMap<>();
            Map<String, String> failures = new java.util.TreeMap<>();
            int checked = 0;
            int skipped = 0;
            FullSnapshotRef newest = generation.latestFull().orElse(null);
            for (FullSnapshotRef full : generation.fulls()) {
                if (full != newest && random.nextDouble() >= sample) {
                    skipped++;
                    continue;
                }
                checked++;
                String problem = check(full.key(), ObjectKind.FULL);
                verified.put(full.key(), problem == null);
                if (problem != null) {
                    failures.put(full.key(), problem);
                }
            }
            for (DeltaSegmentRef delta : generation.deltas()) {
                if (random.nextDouble() >= sample) {
                    skipped++;
                    continue;
                }
                checked++;
                String problem = check(delta.key(), ObjectKind.DELTA);
                verified.put(delta.key(), problem == null);
                if (problem != null) {
                    failures.put(delta.key(), problem);
                }
            }
            reports.add(new Report(generation.id(), checked, skipped, failures, newestRestorable(generation, verified)));
        }
        return reports;
    }

    private static OptionalLong newestRestorable(Generation generation, Map<String, Boolean> verified) {
        long best = -1;
        for (FullSnapshotRef full : generation.fulls()) {
            if (!verified.getOrDefault(full.key(), false)) {
                continue;
            }
            long covered = full.revision();
            for (DeltaSegmentRef delta : generation.deltasAfter(full.revision())) {
                if (delta.lastRevision() <= covered) {
                    continue;
                }
                if (delta.firstRevision() > covered + 1 || !verified.getOrDefault(delta.key(), false)) {
                    break;
                }
                covered = delta.lastRevision();
            }
            best = Math.max(best, covered);
        }
        return best < 0 ? OptionalLong.empty() : OptionalLong.of(best);
    }

    private String check(String key, ObjectKind kind) {
        try (SnapshotObjectReader reader = SnapshotObjectReader.open(key, store.open(key), encryption)) {
            if (reader.header().kind() != kind) {
                return "expected a " + kind + " object, header says " + reader.header().kind();
            }
            if (kind == ObjectKind.DELTA) {
                io.etcdbackup.snapshot.format.DeltaEventCodec.read(reader.content());
            } else {
                reader.content().transferTo(OutputStream.nullOutputStream());
            }
            reader.verify();
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }
}
