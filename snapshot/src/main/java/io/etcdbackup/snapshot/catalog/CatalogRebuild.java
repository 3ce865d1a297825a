package io.etcdbackup.snapshot.catalog;

import io.etcdbackup.stores.ObjectStore;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds catalog contents from the objects themselves: one listing plus each generation's record. */
final class CatalogRebuild {

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
}
