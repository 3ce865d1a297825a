package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogState;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore.Operation;
import io.etcdbackup.stores.local.ImmutableFiles;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static io.etcdbackup.snapshot.retention.RetentionRunnerTest.GRACE;
import static io.etcdbackup.snapshot.retention.RetentionRunnerTest.START;
import static io.etcdbackup.snapshot.retention.RetentionRunnerTest.backUpTenDays;
import static io.etcdbackup.snapshot.retention.RetentionRunnerTest.indexedKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Retention beside objects the store will not delete yet (immutable buckets). */
class LockedRetentionTest {

    private static final Instant NOW = START.plus(Duration.ofDays(10));

    @TempDir
    Path dir;

    private static RetentionRunner runner(ObjectStore store, Instant now) {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        return new RetentionRunner(new Catalog(store, new CatalogWriter(store, "gc", clock)), RetentionPolicies.limitBased(3), GRACE, clock);
    }

    @Test
    void lockedObjectsAreSkippedCountedAndDeletedOnceTheirLockIsLifted() throws Exception {
        assumeTrue(ImmutableFiles.supportedIn(dir), "chattr +i needs root and ext4/xfs/btrfs");
        try (ObjectStore store = LocalStoreProvider.at(dir.resolve("store"))) {
            backUpTenDays(store);
            List<String> doomed = runner(store, NOW).run(false).decision().deletedKeys();
            List<Path> locked = List.of(dir.resolve("store").resolve(doomed.get(0)), dir.resolve("store").resolve(doomed.get(1)));
            for (Path file : locked) {
                ImmutableFiles.lock(file);
            }
            try {
                Instant afterGrace = NOW.plus(GRACE);
                RetentionRunner.Result result = runner(store, afterGrace).run(false);
                assertThat(result.lockedObjects()).isEqualTo(2);
                assertThat(result.deletedObjects()).hasSize(doomed.size() - 2).doesNotContain(doomed.get(0), doomed.get(1));
                assertThat(store.stat(doomed.get(0)).size()).isEqualTo(1); // still there, and still out of the index
                assertThat(indexedKeys(store)).doesNotContain(doomed.get(0), doomed.get(1));
                CatalogState state = new Catalog(store).index().orElseThrow();
                assertThat(state.removed()).extracting(CatalogState.RemovedObject::key).containsExactlyInAnyOrder(doomed.get(0), doomed.get(1));
                assertThat(state.removed()).allSatisfy(r -> assertThat(r.lockedUntil()).isEqualTo(afterGrace.plus(RetentionRunner.LOCKED_RETRY)));

                // Before the retry time nothing is tried again, and nothing fails.
                RetentionRunner.Result soon = runner(store, afterGrace.plusSeconds(60)).run(false);
                assertThat(soon.lockedObjects()).isEqualTo(2);
                assertThat(soon.deletedObjects()).isEmpty();
            } finally {
                for (Path file : locked) {
                    ImmutableFiles.unlock(file);
                }
            }
            RetentionRunner.Result later = runner(store, NOW.plus(GRACE).plus(RetentionRunner.LOCKED_RETRY)).run(false);
            assertThat(later.deletedObjects()).containsExactlyInAnyOrder(doomed.get(0), doomed.get(1));
            assertThat(later.lockedObjects()).isZero();
            assertThat(new Catalog(store).index().orElseThrow().removed()).isEmpty();
            assertThatThrownBy(() -> store.stat(doomed.get(0))).isInstanceOf(NoSuchObjectException.class);
        }
    }

    @Test
    void aLockWithAKnownExpiryIsTriedAgainThenAndNotBefore() throws Exception {
        Instant expiry = NOW.plus(Duration.ofDays(3));
        try (ObjectStore local = LocalStoreProvider.at(dir.resolve("store"))) {
            backUpTenDays(local);
            FaultInjectingObjectStore store = new FaultInjectingObjectStore(local, 1);
            // Every full snapshot is under a retention policy that ends in three days, as GCS words it.
            store.on(Operation.DELETE).keys(Pattern.quote("eba-v1/") + ".*full.*").fail(() -> new ObjectLockedException(
                    store.location(), "a full snapshot", "status 403 retentionPolicyNotMet", Optional.of(expiry), null));
            runner(store, NOW).run(false);
            RetentionRunner.Result result = runner(store, NOW.plus(GRACE)).run(false);
            assertThat(result.lockedObjects()).isPositive();
            assertThat(result.deletedObjects()).isNotEmpty().noneMatch(k -> k.contains("full"));
            CatalogState state = new Catalog(store).index().orElseThrow();
            assertThat(state.removed()).isNotEmpty().allSatisfy(r -> assertThat(r.lockedUntil()).isEqualTo(expiry));
            int injected = store.injectedCount();
            runner(store, expiry.minusSeconds(1)).run(false);
            assertThat(store.injectedCount()).as("no deletion tried before the lock's expiry").isEqualTo(injected);
        }
    }
}
