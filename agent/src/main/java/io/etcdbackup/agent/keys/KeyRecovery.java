package io.etcdbackup.agent.keys;

import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.restore.RestorePoint;
import io.etcdbackup.restore.keys.HistoryRange;
import io.etcdbackup.restore.keys.KeyHistory;
import io.etcdbackup.restore.keys.KeyPrefix;
import io.etcdbackup.restore.keys.KeysReader;
import io.etcdbackup.restore.keys.PrefixView;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.stores.ObjectStore;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Key-level recovery over one store, as the {@code keys} and {@code history} commands and the
 * sidecar's {@code /v1/keys} and {@code /v1/history} use it: the same planner as a restore (so
 * the same chains, exclusions and encryption keys), read without any etcd.
 */
public final class KeyRecovery {

    private final Catalog catalog;
    private final KeysReader keys;

    /**
     * @param store      where the backups are
     * @param encryption the keys of encrypted objects ({@link ObjectEncryption#NONE} for none)
     */
    public KeyRecovery(ObjectStore store, ObjectEncryption encryption) {
        this.catalog = new Catalog(store).withEncryption(encryption);
        this.keys = new KeysReader(store, BackupSources.planner(catalog));
    }

    /**
     * The keys under {@code prefix} at {@code point}; close the view when done with it.
     *
     * @param scratchRoot where the full snapshot is downloaded while the view is open
     */
    public PrefixView keys(RestorePoint point, KeyPrefix prefix, Path scratchRoot) throws IOException {
        return keys.read(point, prefix, scratchRoot);
    }

    /**
     * As {@link #keys(RestorePoint, KeyPrefix, Path)}, holding at most {@code maxKeys} keys.
     *
     * @throws io.etcdbackup.restore.keys.TooManyKeysException when more are under the prefix
     */
    public PrefixView keys(RestorePoint point, KeyPrefix prefix, Path scratchRoot, long maxKeys) throws IOException {
        return keys.read(point, prefix, scratchRoot, maxKeys);
    }

    /** The changes to keys under {@code prefix} within {@code range}, from the delta segments. */
    public KeyHistory.Span history(HistoryRange range, KeyPrefix prefix, KeyHistory.ChangeVisitor visitor) throws IOException {
        return new KeyHistory(catalog).read(range, prefix, visitor);
    }
}
