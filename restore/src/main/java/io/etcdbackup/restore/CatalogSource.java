package io.etcdbackup.restore;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** This agent's own backups ({@code eba-v1/}), read through its catalog; always a planner's first source. */
final class CatalogSource implements BackupSource {

    private final Catalog catalog;

    CatalogSource(Catalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String description() {
        return "this agent's " + BackupLayout.ROOT + " objects";
    }

    @Override
    public Optional<RestorePlan> latestPlan() throws IOException {
        return catalog.latestRestorable().map(generation -> RestorePlanner.planFrom(generation, NativeFormat.of(catalog.encryption())));
    }

    @Override
    public List<Generation> generations() throws IOException {
        return catalog.generations();
    }
}
