package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.FullSnapshotRef;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Keeps the newest {@code maxFullSnapshots} full snapshots across all generations. */
record LimitBased(int maxFullSnapshots) implements FullSelector {

    LimitBased {
        if (maxFullSnapshots < 1) {
            throw new RetentionConfigException("max-backups", maxFullSnapshots, "must be at least 1 (the newest full snapshot is always kept)");
        }
    }

    @Override
    public Map<String, String> reject(List<FullSnapshotRef> newestFirst, Instant now) {
        Map<String, String> rejected = new HashMap<>();
        String reason = "beyond the newest " + maxFullSnapshots + " full snapshots";
        for (FullSnapshotRef full : newestFirst.subList(Math.min(maxFullSnapshots, newestFirst.size()), newestFirst.size())) {
            rejected.put(full.key(), reason);
        }
        return rejected;
    }

    @Override
    public String toString() {
        return "LimitBased(max-backups=" + maxFullSnapshots + ")";
    }
}
