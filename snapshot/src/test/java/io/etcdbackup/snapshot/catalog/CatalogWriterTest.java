package io.etcdbackup.snapshot.catalog;

import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CatalogWriterTest {

    private static final String GEN = "20261122T000000000Z-0001";
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    Path dir;

    private static GenerationInfo info() {
        return new GenerationInfo(GEN, "test", Instant.EPOCH, 42, 1, null);
    }

    @Test
    void aWriterWhoseCachedVersionWasPrunedMeanwhileStillLandsItsUpdateInTheNewestVersion() throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            CatalogWriter slow = new CatalogWriter(store, "slow", CLOCK);
            Catalog slowCatalog = new Catalog(store, slow);
            slowCatalog.recordGeneration(info());
            Catalog busy = new Catalog(store, new CatalogWriter(store, "busy", CLOCK));
            for (int i = 0; i < CatalogWriter.VERSIONS_KEPT + 4; i++) {
                String key = BackupLayout.deltaKey(GEN, 10 + 2L * i, 11 + 2L * i);
                busy.recordDelta(new DeltaSegmentRef(key, GEN, 10 + 2L * i, 11 + 2L * i, 1, Instant.EPOCH));
            }
            // The slot after the slow writer's cached version has been pruned: its create would succeed there.
            String late = BackupLayout.deltaKey(GEN, 1000, 1001);
            slowCatalog.recordDelta(new DeltaSegmentRef(late, GEN, 1000, 1001, 1, Instant.EPOCH));

            CatalogState newest = CatalogVersions.latest(store).orElseThrow();
            assertThat(newest.indexes(late)).as("the slow writer's update is in the version readers read").isTrue();
            assertThat(newest.generations().get(0).deltas()).hasSize(CatalogWriter.VERSIONS_KEPT + 5);
        }
    }

    @Test
    void aWriterWithAnOlderEpochIsFencedAndWritesNothing() throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            CatalogWriter old = new CatalogWriter(store, "old", CLOCK);
            CatalogWriter fresh = new CatalogWriter(store, "new", CLOCK);
            Catalog oldCatalog = new Catalog(store, old);
            assertThat(old.acquire()).isEqualTo(1);
            oldCatalog.recordGeneration(info());
            assertThat(fresh.acquire()).isEqualTo(2);
            long before = new Catalog(store).index().orElseThrow().sequence();

            assertThatThrownBy(() -> oldCatalog.recordDelta(new DeltaSegmentRef("k", GEN, 2, 3, 1, Instant.EPOCH)))
                    .isInstanceOfSatisfying(FencedWriterException.class, e -> {
                        assertThat(e.ownEpoch()).isEqualTo(1);
                        assertThat(e.currentEpoch()).isEqualTo(2);
                    })
                    .hasMessageContaining("'new'");
            assertThat(new Catalog(store).index().orElseThrow().sequence()).isEqualTo(before);
            assertThat(old.fencedCount()).isEqualTo(1);
        }
    }

    @Test
    void aStoreWrittenBeforeTheIndexIsIndexedFromItsObjectsOnFirstAcquire() throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            store.put(BackupLayout.fullKey(GEN, 10, Instant.parse("2026-11-22T00:00:00Z")), new byte[] {1}, WriteMode.IF_ABSENT);
            store.put(BackupLayout.deltaKey(GEN, 11, 20), new byte[] {2}, WriteMode.IF_ABSENT);
            assertThat(new Catalog(store).index()).isEmpty();

            new CatalogWriter(store, "w", CLOCK).acquire();

            Generation generation = new Catalog(store).generations().get(0);
            assertThat(generation.fulls()).hasSize(1);
            assertThat(generation.lastRevision()).isEqualTo(20);
        }
    }

    @Test
    void twoWritersInterleavedAtRandomNeverCorruptTheIndexAndExactlyOneWriterHoldsEachEpoch() throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            new Catalog(store, new CatalogWriter(store, "setup", CLOCK)).recordGeneration(info());
            Map<Long, String> epochHolders = new ConcurrentHashMap<>();
            List<String> indexedByAWinner = Collections.synchronizedList(new ArrayList<>());
            AtomicLong revision = new AtomicLong(1);
            AtomicInteger fenced = new AtomicInteger();
            List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

            Runnable[] writers = new Runnable[2];
            for (int w = 0; w < 2; w++) {
                String name = "writer-" + w;
                Random random = new Random(w);
                writers[w] = () -> {
                    CatalogWriter writer = new CatalogWriter(store, name, CLOCK);
                    Catalog catalog = new Catalog(store, writer);
                    try {
                        for (int round = 0; round < 500; round++) {
                            if (writer.epoch() < 0 || random.nextInt(8) == 0) {
                                long epoch = writer.acquire();
                                assertThat(epochHolders.putIfAbsent(epoch, name)).as("epoch %d taken twice", epoch).isNull();
                            }
                            long first = revision.getAndAdd(2);
                            String key = BackupLayout.deltaKey(GEN, first, first + 1);
                            store.put(key, new byte[] {(byte) round}, WriteMode.IF_ABSENT); // the object, then its index entry
                            try {
                                catalog.recordDelta(new DeltaSegmentRef(key, GEN, first, first + 1, 1, Instant.EPOCH));
                                indexedByAWinner.add(key);
                            } catch (FencedWriterException e) {
                                fenced.incrementAndGet();
                                writer.acquire(); // re-elected: take over again
                                epochHolders.putIfAbsent(writer.epoch(), name);
                            }
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                };
            }
            Thread a = new Thread(writers[0]);
            Thread b = new Thread(writers[1]);
            a.start();
            b.start();
            a.join();
            b.join();
            assertThat(errors).isEmpty();

            CatalogState latest = new Catalog(store).index().orElseThrow();
            // Every object a writer indexed while holding its epoch is still indexed and readable.
            for (String key : indexedByAWinner) {
                assertThat(latest.indexes(key)).as("indexed %s", key).isTrue();
                assertThat(store.readAll(key)).hasSize(1);
            }
            // Retained versions: consecutive, epochs never decrease, each epoch written by its holder only.
            List<String> versions = CatalogVersions.keys(store);
            long previousEpoch = 0;
            long previousSequence = -1;
            for (String key : versions) {
                CatalogState state = CatalogVersions.decode(key, store.readAll(key));
                assertThat(state.epoch()).isGreaterThanOrEqualTo(previousEpoch);
                if (previousSequence >= 0) {
                    assertThat(state.sequence()).isEqualTo(previousSequence + 1);
                }
                if (state.epoch() > 1) {
                    assertThat(state.writer()).isEqualTo(epochHolders.get(state.epoch()));
                }
                previousEpoch = state.epoch();
                previousSequence = state.sequence();
            }
            assertThat(versions.size()).isLessThanOrEqualTo(CatalogWriter.VERSIONS_KEPT);
            assertThat(fenced.get()).as("fencings happened").isPositive();
            assertThat(indexedByAWinner).as("rounds indexed by the epoch holder").isNotEmpty();
        }
    }

    @Test
    void lockedOldVersionsStayWithoutFailingAnUpdateAndPruningPausesInsteadOfAskingEveryTime() throws Exception {
        try (ObjectStore local = LocalStoreProvider.at(dir)) {
            FaultInjectingObjectStore store = new FaultInjectingObjectStore(local, 1);
            // An immutable bucket: no catalog version can be deleted.
            store.on(FaultInjectingObjectStore.Operation.DELETE).keys(java.util.regex.Pattern.quote(CatalogVersions.PREFIX) + ".*")
                    .fail(() -> new ObjectLockedException(store.location(), "a catalog version", "status 409 BlobImmutableDueToPolicy",
                            java.util.Optional.empty(), null));
            Catalog catalog = new Catalog(store, new CatalogWriter(store, "w", CLOCK));
            catalog.recordGeneration(info());
            int updates = 3 * CatalogWriter.VERSIONS_KEPT;
            for (int i = 0; i < updates; i++) {
                catalog.recordDelta(new DeltaSegmentRef(BackupLayout.deltaKey(GEN, 10 + 2L * i, 11 + 2L * i), GEN, 10 + 2L * i,
                        11 + 2L * i, 1, Instant.EPOCH));
            }
            assertThat(CatalogVersions.latest(store).orElseThrow().generations().get(0).deltas()).hasSize(updates);
            assertThat(CatalogVersions.keys(store)).hasSizeGreaterThan(updates); // every version stays
            assertThat(store.injectedCount()).as("one refused prune, then pruning paused").isEqualTo(1);

            // A take-over prunes by listing, and stops at the first locked version.
            new CatalogWriter(store, "next", CLOCK).acquire();
            assertThat(store.injectedCount()).isEqualTo(2);
        }
    }
}
