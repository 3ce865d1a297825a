package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionRunnerTest {

    static final String GEN = "20261101T000000000Z-0001";
    static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    static final Duration GRACE = Duration.ofHours(1);

    @TempDir
    Path dir;

    /** Ten daily full snapshots, each followed by three delta segments, indexed. */
    static void backUpTenDays(ObjectStore store) throws IOException {
        Catalog catalog = new Catalog(store, new CatalogWriter(store, "capture", Clock.fixed(START, ZoneOffset.UTC)));
        catalog.recordGeneration(new GenerationInfo(GEN, "test", START, 1, 100, null));
        List<DeltaSegmentRef> deltas = new ArrayList<>();
        for (int day = 0; day < 10; day++) {
            long base = 100 + day * 30L;
            Instant at = START.plus(Duration.ofDays(day));
            String fullKey = BackupLayout.fullKey(GEN, base, at);
            store.put(fullKey, new byte[] {1}, WriteMode.IF_ABSENT);
            catalog.recordFull(new FullSnapshotRef(fullKey, GEN, base, at, 1));
            for (int s = 0; s < 3; s++) {
                long first = base + 1 + s * 10L;
                String key = BackupLayout.deltaKey(GEN, first, first + 9);
                store.put(key, new byte[] {2}, WriteMode.IF_ABSENT);
                deltas.add(new DeltaSegmentRef(key, GEN, first, first + 9, 1, at.plusSeconds(60 + s)));
            }
        }
        catalog.recordDeltas(deltas);
    }

    static Set<String> indexedKeys(ObjectStore store) throws IOException {
        Set<String> keys = new TreeSet<>();
        for (Generation g : new Catalog(store).generations()) {
            g.fulls().forEach(f -> keys.add(f.key()));
            g.deltas().forEach(d -> keys.add(d.key()));
        }
        return keys;
    }

    private static RetentionRunner runner(ObjectStore store, Instant now) {
        return new RetentionRunner(new Catalog(store, new CatalogWriter(store, "gc", Clock.fixed(now, ZoneOffset.UTC))),
                RetentionPolicies.limitBased(3), GRACE, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void theIndexChangesFirstAndObjectsGoOnlyAfterTheGracePeriod() throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            backUpTenDays(store);
            Instant now = START.plus(Duration.ofDays(10));

            RetentionRunner.Result first = runner(store, now).run(false);
            assertThat(first.decision().keptFulls()).hasSize(3);
            assertThat(first.deletedObjects()).isEmpty(); // still inside the grace period
            assertThat(first.awaitingGrace()).isEqualTo(first.decision().deletions().size());
            for (String key : first.decision().deletedKeys()) {
                assertThat(indexedKeys(store)).doesNotContain(key);
                assertThat(store.stat(key).size()).isEqualTo(1); // unindexed, not yet deleted
            }

            RetentionRunner.Result later = runner(store, now.plus(GRACE)).run(false);
            assertThat(later.deletedObjects()).containsExactlyInAnyOrderElementsOf(first.decision().deletedKeys());
            for (String key : first.decision().deletedKeys()) {
                assertThatThrownBy(() -> store.stat(key)).isInstanceOf(NoSuchObjectException.class);
            }
            assertThat(new Catalog(store).index().orElseThrow().removed()).isEmpty();
            assertThat(new Catalog(store).generations().get(0).fulls()).hasSize(3);
        }
    }

    @Test
    void anUnindexedObjectOlderThanTheGracePeriodIsCollectedAsAnOrphan() throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(dir)) {
            backUpTenDays(store);
            String orphan = BackupLayout.deltaKey(GEN, 999_001, 999_002);
            store.put(orphan, new byte[] {3}, WriteMode.IF_ABSENT); // published, never indexed (a crash)
            Instant now = Instant.now().plus(Duration.ofDays(1)); // the orphan's mtime is "now" on disk
            RetentionRunner.Result result = runner(store, now).run(true);
            assertThat(result.orphans()).containsExactly(orphan);
            assertThat(store.stat(orphan).size()).isEqualTo(1); // removed from view, deleted after the grace period
            RetentionRunner.Result later = runner(store, now.plus(GRACE)).run(true);
            assertThat(later.orphans()).isEmpty();
            assertThat(later.deletedObjects()).contains(orphan);
        }
    }

    @Test
    void killedAtAnyStoreCallRetentionNeverLosesARetainedPointAndTheNextRunFinishes() throws Exception {
        Instant now = START.plus(Duration.ofDays(10)).plus(GRACE).plusSeconds(1);
        int calls;
        Set<String> expectedAfter;
        try (ObjectStore store = LocalStoreProvider.at(dir.resolve("reference"))) {
            backUpTenDays(store);
            Crashing counting = new Crashing(store, Integer.MAX_VALUE);
            // Unindex now, delete after the grace period: two runs, as a sidecar would.
            runner(counting, now.minus(GRACE).minusSeconds(2)).run(false);
            runner(counting, now).run(false);
            calls = counting.calls.get();
            expectedAfter = indexedKeys(store);
        }
        assertThat(calls).isGreaterThan(10);
        for (int crashAt = 0; crashAt < calls; crashAt++) {
            Path storeDir = dir.resolve("crash-" + crashAt);
            try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
                backUpTenDays(store);
                Crashing crashing = new Crashing(store, crashAt);
                try {
                    runner(crashing, now.minus(GRACE).minusSeconds(2)).run(false);
                    runner(crashing, now).run(false);
                } catch (IOException | RuntimeException killed) {
                    // the process died here
                }
                // Whatever the catalog indexes now is in the store: every retained point is restorable.
                for (String key : indexedKeys(store)) {
                    assertThat(store.stat(key).size()).as("crash at call %d: indexed %s exists", crashAt, key).isPositive();
                }
                assertThat(indexedKeys(store)).as("crash at call %d", crashAt).containsAll(expectedAfter);
                // The next runs, one now and one after the grace period, finish the job.
                runner(store, now).run(false);
                runner(store, now.plus(GRACE)).run(false);
                assertThat(indexedKeys(store)).as("crash at call %d, after recovery", crashAt).isEqualTo(expectedAfter);
                CatalogState state = new Catalog(store).index().orElseThrow();
                assertThat(state.removed()).as("crash at call %d: nothing left to delete", crashAt).isEmpty();
            }
        }
    }

    /** A store whose process "dies" at a chosen call: that call and every later one fail. */
    private static final class Crashing implements ObjectStore {
        private final ObjectStore delegate;
        private final int crashAt;
        final AtomicInteger calls = new AtomicInteger();

        Crashing(ObjectStore delegate, int crashAt) {
            this.delegate = delegate;
            this.crashAt = crashAt;
        }

        private void call() throws IOException {
            if (calls.getAndIncrement() >= crashAt) {
                throw new IOException("killed at store call " + crashAt);
            }
        }

        @Override
        public ObjectWriter create(String key, WriteMode mode) throws IOException {
            call();
            return delegate.create(key, mode);
        }

        @Override
        public void put(String key, byte[] content, WriteMode mode) throws IOException {
            call();
            delegate.put(key, content, mode);
        }

        @Override
        public InputStream open(String key) throws IOException {
            call();
            return delegate.open(key);
        }

        @Override
        public InputStream open(String key, long offset, long length) throws IOException {
            call();
            return delegate.open(key, offset, length);
        }

        @Override
        public ObjectInfo stat(String key) throws IOException {
            call();
            return delegate.stat(key);
        }

        @Override
        public ObjectIterator list(String prefix) throws IOException {
            call();
            return delegate.list(prefix);
        }

        @Override
        public void delete(String key) throws IOException {
            call();
            delegate.delete(key);
        }

        @Override
        public java.util.Map<String, String> labels(String key) throws IOException {
            call();
            return delegate.labels(key);
        }

        @Override
        public String location() {
            return delegate.location();
        }

        @Override
        public void close() {
        }
    }
}
