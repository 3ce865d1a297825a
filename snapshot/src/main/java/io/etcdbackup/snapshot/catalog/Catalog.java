package io.etcdbackup.snapshot.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The backups in one store. Read from the catalog index (the newest {@link CatalogState}
 * version: one short listing and one read, however many segments there are) when the store has
 * one, else from a listing of {@link BackupLayout#ROOT} and the objects' names. Writes go through
 * a {@link CatalogWriter}: objects are published first and indexed after, so everything indexed is
 * complete and readable; a crash in between leaves an unindexed object that the next capture
 * indexes again or retention removes.
 */
public final class Catalog {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectStore store;
    private final CatalogWriter writer;
    private final ObjectEncryption encryption;

    /** A read-only catalog. */
    public Catalog(ObjectStore store) {
        this(store, null);
    }

    /** A catalog that records new objects through {@code writer}. */
    public Catalog(ObjectStore store, CatalogWriter writer) {
        this(store, writer, ObjectEncryption.NONE);
    }

    private Catalog(ObjectStore store, CatalogWriter writer, ObjectEncryption encryption) {
        this.store = store;
        this.writer = writer;
        this.encryption = encryption;
    }

    /**
     * This catalog, with the keys its objects' contents are written and read with: everything
     * that publishes or reads objects of this catalog (captures, merges, compaction, restores,
     * verification) takes them from here. Objects in the clear stay readable.
     */
    public Catalog withEncryption(ObjectEncryption encryption) {
        return new Catalog(store, writer, java.util.Objects.requireNonNull(encryption, "encryption"));
    }

    /** How object contents are encrypted ({@link ObjectEncryption#NONE} unless {@link #withEncryption} said otherwise). */
    public ObjectEncryption encryption() {
        return encryption;
    }

    /** The index's newest version, if the store has an index. */
    public Optional<CatalogState> index() throws IOException {
        return CatalogVersions.latest(store);
    }

    /** All generations, oldest first, each with its objects in revision order. */
    public List<Generation> generations() throws IOException {
        Optional<CatalogState> index = index();
        if (index.isPresent()) {
            return index.get().toGenerations();
        }
        return generationsFromListing();
    }

    public ObjectStore store() {
        return store;
    }

    /** All generations found by listing the objects (the fallback, and what a rebuild starts from). */
    public List<Generation> generationsFromListing() throws IOException {
        Map<String, List<FullSnapshotRef>> fulls = new TreeMap<>();
        Map<String, List<DeltaSegmentRef>> deltas = new TreeMap<>();
        ObjectIterator listing = store.list(BackupLayout.ROOT);
        while (listing.hasNext()) {
            ObjectInfo info = listing.next();
            Optional<BackupLayout.ParsedKey> parsed = BackupLayout.parse(info.key());
            if (parsed.isEmpty()) {
                continue;
            }
            BackupLayout.ParsedKey key = parsed.get();
            fulls.computeIfAbsent(key.generation(), g -> new ArrayList<>());
            deltas.computeIfAbsent(key.generation(), g -> new ArrayList<>());
            switch (key.type()) {
                case FULL -> fulls.get(key.generation()).add(
                        new FullSnapshotRef(info.key(), key.generation(), key.firstRevision(), key.createdAt(), info.size()));
                case DELTA -> deltas.get(key.generation()).add(
                        new DeltaSegmentRef(info.key(), key.generation(), key.firstRevision(), key.lastRevision(), info.size(), info.lastModified()));
                case GENERATION_INFO -> {
                    // read on demand by generationInfo()
                }
            }
        }
        List<Generation> generations = new ArrayList<>();
        for (String id : fulls.keySet()) {
            List<FullSnapshotRef> f = new ArrayList<>(fulls.get(id));
            f.sort(Comparator.comparingLong(FullSnapshotRef::revision).thenComparing(FullSnapshotRef::createdAt));
            List<DeltaSegmentRef> d = new ArrayList<>(deltas.get(id));
            d.sort(Comparator.comparingLong(DeltaSegmentRef::firstRevision).thenComparingLong(DeltaSegmentRef::lastRevision));
            generations.add(new Generation(id, f, d));
        }
        return generations;
    }

    /** The newest generation that holds at least one full snapshot. */
    public Optional<Generation> latestRestorable() throws IOException {
        List<Generation> all = generations();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (!all.get(i).fulls().isEmpty()) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** The newest generation, restorable or not (a generation is created just before its first full). */
    public Optional<Generation> latest() throws IOException {
        List<Generation> all = generations();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Records the start of a generation: its {@code generation.json} (so a rebuild from objects
     * alone knows it; kept as it is when it exists) and its entry in the index (idempotent).
     */
    public void recordGeneration(GenerationInfo info) throws IOException {
        try {
            store.put(BackupLayout.generationInfoKey(info.id()), JSON.writeValueAsBytes(info), WriteMode.IF_ABSENT);
        } catch (ObjectAlreadyExistsException writtenBefore) {
            // recorded before a crash (or a copy that stopped) and not indexed yet: the index entry follows
        }
        requireWriter().update(state -> state.generation(info.id()).isPresent() ? state
                : state.withGeneration(new CatalogState.GenerationEntry(info, List.of(), List.of())));
    }

    /** Indexes a published full snapshot (idempotent). */
    public void recordFull(FullSnapshotRef full) throws IOException {
        requireWriter().update(state -> {
            CatalogState.GenerationEntry g = entryFor(state, full.generation());
            if (g.fulls().stream().anyMatch(f -> f.key().equals(full.key()))) {
                return state;
            }
            List<FullSnapshotRef> fulls = new ArrayList<>(g.fulls());
            fulls.add(full);
            return state.withGeneration(new CatalogState.GenerationEntry(g.info(), fulls, g.deltas()));
        });
    }

    /** Indexes a published delta segment (idempotent). */
    public void recordDelta(DeltaSegmentRef delta) throws IOException {
        recordDeltas(List.of(delta));
    }

    /** Indexes published delta segments in one catalog version (idempotent per key). */
    public void recordDeltas(List<DeltaSegmentRef> published) throws IOException {
        requireWriter().update(state -> {
            CatalogState next = state;
            for (DeltaSegmentRef delta : published) {
                CatalogState.GenerationEntry g = entryFor(next, delta.generation());
                if (g.deltas().stream().anyMatch(d -> d.key().equals(delta.key()))) {
                    continue;
                }
                List<DeltaSegmentRef> deltas = new ArrayList<>(g.deltas());
                deltas.add(delta);
                next = next.withGeneration(new CatalogState.GenerationEntry(g.info(), g.fulls(), deltas));
            }
            return next;
        });
    }

    /** The writer, for epochs and fencing. */
    public Optional<CatalogWriter> writer() {
        return Optional.ofNullable(writer);
    }

    private CatalogState.GenerationEntry entryFor(CatalogState state, String generation) {
        return state.generation(generation).orElseGet(() -> new CatalogState.GenerationEntry(
                new GenerationInfo(generation, "indexed without a generation record", java.time.Instant.EPOCH, 0, 0, null),
                List.of(), List.of()));
    }

    private CatalogWriter requireWriter() {
        if (writer == null) {
            throw new IllegalStateException("this catalog of " + store.location() + " is read-only");
        }
        return writer;
    }

    /** Why a generation started, if recorded. */
    public Optional<GenerationInfo> generationInfo(String generation) throws IOException {
        Optional<CatalogState> index = index();
        if (index.isPresent() && index.get().generation(generation).isPresent()) {
            return Optional.of(index.get().generation(generation).get().info());
        }
        try {
            return Optional.of(JSON.readValue(store.readAll(BackupLayout.generationInfoKey(generation)), GenerationInfo.class));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        }
    }

    /** Whether an exception means "someone published that key first". */
    public static boolean isAlreadyPublished(IOException e) {
        return e instanceof ObjectAlreadyExistsException;
    }
}
