package io.etcdbackup.snapshot.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
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
 * The backups in one store, read from a listing of {@link BackupLayout#ROOT}. Only complete
 * objects are ever listed (stores publish atomically), so whatever this returns is readable.
 */
public final class Catalog {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectStore store;

    public Catalog(ObjectStore store) {
        this.store = store;
    }

    public ObjectStore store() {
        return store;
    }

    /** All generations, oldest first, each with its objects in revision order. */
    public List<Generation> generations() throws IOException {
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

    /** Records the start of a generation. Fails if one with this id exists. */
    public void recordGeneration(GenerationInfo info) throws IOException {
        store.put(BackupLayout.generationInfoKey(info.id()), JSON.writeValueAsBytes(info), WriteMode.IF_ABSENT);
    }

    /** Why a generation started, if recorded. */
    public Optional<GenerationInfo> generationInfo(String generation) throws IOException {
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
