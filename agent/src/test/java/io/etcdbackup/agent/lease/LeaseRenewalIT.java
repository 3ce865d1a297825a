package io.etcdbackup.agent.lease;

import io.etcd.jetcd.ByteSequence;
import io.etcdbackup.agent.backup.BackupListener;
import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.CaptureSettings;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.backup.Maintenance;
import io.etcdbackup.agent.metrics.BackupMetrics;
import io.etcdbackup.agent.schedule.ExecutorTaskScheduler;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.etcdbackup.stores.testing.Await;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real etcd backed up with the lease writer on, against fabric8's mock API server in CRUD mode
 * standing in for the Kubernetes API where etcd-druid created the Leases: the snapshot Leases end up
 * holding the revisions the backup published, and the member Lease the real member and cluster ids.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LeaseRenewalIT {

    private static final String NAMESPACE = "shoot--lease-it";
    private static final LeaseSettings SETTINGS = new LeaseSettings(Optional.of(NAMESPACE), false,
            Optional.of(new LeaseSettings.SnapshotLeaseNames("etcd-main-full-snap", "etcd-main-delta-snap")),
            Optional.of(new LeaseSettings.MemberLeaseSettings("etcd-main-0", Duration.ofSeconds(1))));

    static KubernetesMockServer server;
    static KubernetesClient client;

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void theSnapshotLeasesCarryThePublishedRevisionsAndTheMemberLeaseTheMembersIds() throws Exception {
        for (String name : List.of("etcd-main-full-snap", "etcd-main-delta-snap", "etcd-main-0")) {
            client.resources(Lease.class).inNamespace(NAMESPACE).resource(new LeaseBuilder().withNewMetadata().withName(name)
                    .endMetadata().withNewSpec().endSpec().build()).create();
        }
        Clock clock = Clock.systemUTC();
        CaptureSettings capture = new CaptureSettings(new FullSnapshotter.Settings(Codec.ZSTD, 1, Duration.ofMinutes(1)),
                Duration.ofHours(1), new DeltaCapture.Settings(64 << 20, 128 << 20, Codec.ZSTD, 1));
        try (ObjectStore store = LocalStoreProvider.at(dir.resolve("store"));
             BackupService service = new BackupService(etcd.clients(), store, capture, "lease-it", clock);
             TaskScheduler control = new ExecutorTaskScheduler(clock, "backup-control");
             LeaseRenewal leases = new LeaseRenewal(new LeaseStore(server.createClient(), NAMESPACE, false), SETTINGS,
                     Optional.of(new EtcdMemberProbe(etcd.clients())), new ExecutorTaskScheduler(clock, "k8s-leases"));
             ContinuousBackup backup = new ContinuousBackup(service, Optional.empty(), Maintenance.none(), control,
                     BackupListener.all(List.of(new BackupMetrics(new SimpleMeterRegistry()), leases.backupListener())))) {
            leases.startHeartbeat();
            backup.start();
            Await.await("the backup to capture", Duration.ofSeconds(60), () -> backup.state().capturing());

            long written = 0;
            for (int i = 0; i < 5; i++) {
                written = put("key-" + i);
            }
            long last = written;
            Await.await("the watch to deliver revision " + last, Duration.ofSeconds(60),
                    () -> backup.state().lastReceivedRevision() >= last);
            DeltaSegmentRef delta = backup.takeDeltaNow(Duration.ofSeconds(30)).orElseThrow();
            assertThat(delta.lastRevision()).isEqualTo(last);
            Await.await("the delta lease to hold revision " + last, Duration.ofSeconds(30),
                    () -> Long.toString(last).equals(holder("etcd-main-delta-snap")));

            // A quiet delta period: nothing new to publish, and still a renewal, as the reference does.
            String renewedAt = renewTime("etcd-main-delta-snap");
            assertThat(backup.flushDeltas()).isEqualTo(last);
            Await.await("a quiet flush to renew the delta lease", Duration.ofSeconds(30),
                    () -> !renewedAt.equals(renewTime("etcd-main-delta-snap")));
            assertThat(holder("etcd-main-delta-snap")).as("the revision it holds").isEqualTo(Long.toString(last));

            long afterDelta = put("after-delta");
            FullSnapshotRef full = backup.takeFullNow();
            assertThat(full.revision()).isEqualTo(afterDelta);
            Await.await("the full lease to hold revision " + afterDelta, Duration.ofSeconds(30),
                    () -> Long.toString(afterDelta).equals(holder("etcd-main-full-snap")));

            MemberStatus status = MemberStatus.read(etcd.client(), etcd.clientUrls().get(0));
            String expected = Long.toHexString(status.memberId()) + ":" + Long.toHexString(status.clusterId()) + ":Leader";
            Await.await("the member lease to name member " + expected, Duration.ofSeconds(30),
                    () -> expected.equals(holder("etcd-main-0")));
            Lease member = client.resources(Lease.class).inNamespace(NAMESPACE).withName("etcd-main-0").get();
            assertThat(member.getMetadata().getAnnotations()).containsEntry(MemberHeartbeat.TLS_ANNOTATION, "false");
            assertThat(member.getSpec().getRenewTime()).isNotNull();
        }
    }

    private String renewTime(String lease) {
        return String.valueOf(client.resources(Lease.class).inNamespace(NAMESPACE).withName(lease).get().getSpec().getRenewTime());
    }

    private String holder(String lease) {
        return client.resources(Lease.class).inNamespace(NAMESPACE).withName(lease).get().getSpec().getHolderIdentity();
    }

    private long put(String key) throws Exception {
        return etcd.client().getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8),
                ByteSequence.from("v", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }
}
