package io.etcdbackup.agent.restore;

import io.etcdbackup.restore.BackupSource;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.imports.ReferenceLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.stores.ObjectStore;

import java.util.List;

/**
 * The backup layouts the agent restores and lists from, in order of precedence: this agent's own
 * catalog ({@code eba-v1/}), then gardener/etcd-backup-restore's layout and plain etcd snapshot
 * files ({@link ReferenceLayout}; docs/import.md). The one place that decides which importers
 * exist: {@code restore} only knows the {@link BackupSource} seam.
 */
public final class BackupSources {

    private BackupSources() {
    }

    /** Other tools' layouts in {@code store}, read after this agent's catalog, in the order given. */
    public static List<BackupSource> imported(ObjectStore store) {
        return List.of(ReferenceLayout.of(store));
    }

    /** A planner over {@code catalog} and, for the latest state, the {@linkplain #imported imported} layouts of its store. */
    public static RestorePlanner planner(Catalog catalog) {
        return new RestorePlanner(catalog, imported(catalog.store()));
    }

    /** A planner over the backups of every layout in {@code store}, reading encrypted objects with {@code encryption}. */
    public static RestorePlanner planner(ObjectStore store, ObjectEncryption encryption) {
        return planner(new Catalog(store).withEncryption(encryption));
    }
}
