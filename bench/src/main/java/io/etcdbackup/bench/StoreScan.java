package io.etcdbackup.bench;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectStore;

import java.io.IOException;
import java.util.Optional;

/** What the agent has published to a store, read by listing it as an operator would. */
final class StoreScan {

    private StoreScan() {
    }

    /** How many objects under the backup root have {@code part} (e.g. {@code /full/}) in their key. */
    static int count(ObjectStore store, String part) throws IOException {
        int n = 0;
        ObjectIterator it = store.list(BackupLayout.ROOT);
        while (it.hasNext()) {
            if (it.next().key().contains(part)) {
                n++;
            }
        }
        return n;
    }

    /** The highest last revision of any delta segment in the store, 0 for none. */
    static long highestDelta(ObjectStore store) throws IOException {
        long high = 0;
        ObjectIterator it = store.list(BackupLayout.ROOT);
        while (it.hasNext()) {
            ObjectInfo info = it.next();
            Optional<BackupLayout.ParsedKey> key = BackupLayout.parse(info.key());
            if (key.isPresent() && key.get().type() == BackupLayout.KeyType.DELTA) {
                high = Math.max(high, key.get().lastRevision());
            }
        }
        return high;
    }
}
