package io.etcdbackup.agent.it;

import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.CaptureSettings;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.backup.Maintenance;
import io.etcdbackup.agent.metrics.BackupMetrics;
import io.etcdbackup.agent.schedule.ExecutorTaskScheduler;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore.Operation;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.etcdbackup.stores.retry.RetryPolicy;
import io.etcdbackup.stores.retry.RetryingObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Capture over a failing store: transient faults and an outage never lose or skip revisions. */
class StoreFaultsIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private static final RetryPolicy FAST_RETRIES = new RetryPolicy(8, Duration.ofMillis(10), Duration.ofMillis(200), 2.0, Duration.ofMinutes(1));

    private static CaptureSettings settings() {
        return new CaptureSettings(new FullSnapshotter.Settings(Codec.ZSTD, 3, Duration.ofMinutes(1)), Duration.ofMillis(100),
                new DeltaCapture.Settings(1 << 20, 64 << 20, Codec.ZSTD, 3));
    }

    private static long lastRevision(ObjectStore store) throws Exception {
        return new Catalog(store).latestRestorable().map(Generation::lastRevision).orElse(0L);
    }

    private void awaitCaptured(ObjectStore store, long revision) throws Exception {
        await("revision " + revision + " captured", Duration.ofSeconds(90), () -> lastRevision(store), last -> last >= revision);
    }

    private void restoreAndCompare(ObjectStore store) throws Exception {
        long captured = lastRevision(store);
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored.etcd");
            new Restorer(store, new Restorer.Settings(etcd.binaries(), null, 3600, 6)).restore(
                    new RestorePlanner(new Catalog(store)).latest(),
                    new RestoreTarget(dataDir, "restored", "restored=" + restored.peerUrl(), restored.peerUrl(), "restored-cluster", false));
            Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.revision()).isEqualTo(captured);
            assertThat(actual.keys()).isEqualTo(Keyspace.read(etcd.client(), captured).keys());
        }
    }

    @Test
    void withOneStoreCallInFiveFailingABackupRunCompletesAndRestoresCorrectly() throws Exception {
        ObjectStore local = LocalStoreProvider.at(dir.resolve("store"));
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 20)
                .on(Operation.CREATE, Operation.CLOSE, Operation.OPEN, Operation.STAT, Operation.LIST, Operation.DELETE)
                .probability(0.2).fail();
        ObjectStore store = new RetryingObjectStore(faults, FAST_RETRIES, pause -> Thread.sleep(pause.toMillis()), Clock.systemUTC(), new java.util.Random(1));
        new Workload(etcd.client(), 31).run(100, false);
        try (BackupService service = new BackupService(etcd.clients(), store, settings(), "test", Clock.systemUTC());
             TaskScheduler scheduler = new ExecutorTaskScheduler(Clock.systemUTC(), "test-control");
             ContinuousBackup backup = new ContinuousBackup(service, Optional.empty(), Maintenance.none(), scheduler, new BackupMetrics(new SimpleMeterRegistry()))) {
            backup.start();
            for (int round = 0; round < 10; round++) {
                new Workload(etcd.client(), 32 + round).run(100, false);
                awaitCaptured(local, Keyspace.read(etcd.client(), 0).revision()); // each round in its own segments
            }
            awaitCaptured(local, Keyspace.read(etcd.client(), 0).revision());
        }
        assertThat(faults.callCount()).as("store calls").isGreaterThan(40);
        assertThat(faults.injectedCount()).as("faults injected").isGreaterThanOrEqualTo(5);
        // A failed first full snapshot leaves an empty generation behind (recorded, never restorable);
        // everything captured is in one restorable generation without a gap.
        assertThat(new Catalog(local).generations()).filteredOn(g -> !g.fulls().isEmpty()).hasSize(1);
        restoreAndCompare(store); // reading through the faults too
    }

    @Test
    void withTheStoreDownCaptureKeepsRetryingAndCatchesUpWithoutAGap() throws Exception {
        ObjectStore local = LocalStoreProvider.at(dir.resolve("store"));
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 21);
        try (BackupService service = new BackupService(etcd.clients(), faults, settings(), "test", Clock.systemUTC());
             TaskScheduler scheduler = new ExecutorTaskScheduler(Clock.systemUTC(), "test-control");
             ContinuousBackup backup = new ContinuousBackup(service, Optional.empty(), Maintenance.none(), scheduler, new BackupMetrics(new SimpleMeterRegistry()))) {
            backup.start();
            new Workload(etcd.client(), 41).run(100, false);
            awaitCaptured(local, Keyspace.read(etcd.client(), 0).revision());

            faults.down();
            long before = lastRevision(local);
            int refusedBefore = faults.injectedCount();
            new Workload(etcd.client(), 42).run(300, false);
            // Many delta periods with every store call failing: the capture tried and was refused.
            await("ten store calls refused while the store is down", Duration.ofSeconds(60),
                    () -> faults.injectedCount() >= refusedBefore + 10);
            assertThat(lastRevision(local)).as("nothing published while the store is down").isEqualTo(before);
            faults.up();

            new Workload(etcd.client(), 43).run(100, false);
            awaitCaptured(local, Keyspace.read(etcd.client(), 0).revision());
        }
        List<Generation> generations = new Catalog(local).generations();
        assertThat(generations).as("the chain continued in the same generation").hasSize(1);
        restoreAndCompare(local);
    }
}
