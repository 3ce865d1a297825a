package io.etcdbackup.agent.lease;

import io.etcd.jetcd.ByteSequence;
import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.CaptureSettings;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.backup.Maintenance;
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
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
/**
 * Opt-in: the Leases etcd-druid reads, created ({@code --create-leases}) and renewed by the
 * production {@link LeaseRenewal} and {@link LeaseStore} on a real Kubernetes API server, from a
 * real etcd member and its backup. Checks druid's exact formats as the API server stores them: the
 * member Lease's {@code holderIdentity} {@code <memberID hex>:<clusterID hex>:Leader}, its TLS
 * annotation and heartbeat {@code renewTime}; the snapshot Leases' decimal revision, never lowered,
 * and {@code renewTime} the snapshot's time. It creates three Leases named {@code eba-it-<random>-...}
 * and deletes them at the end.
 *
 * <p>Runs when {@code EBA_K8S_IT_KUBECONFIG} (or {@code -Dk8s.kubeconfig}) names a kubeconfig file
 * whose current context may get, list, create, update and delete {@code coordination.k8s.io} Leases
 * in {@code EBA_K8S_IT_NAMESPACE} (or {@code -Dk8s.namespace}; default {@code default}); otherwise it
 * is reported as skipped with the reason. For example, against a kind cluster:
 * <pre>
 * EBA_K8S_IT_KUBECONFIG=$HOME/.kube/config mvn -B -pl agent -am verify -DskipEtcd34 -Dtest=NONE \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=LeaseRenewalRealClusterIT -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 */
class LeaseRenewalRealClusterIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String TLS_ANNOTATION = "member.etcd.gardener.cloud/tls-enabled";
    private static final String DISABLED_REASON = "real-Kubernetes lease test is opt-in: set EBA_K8S_IT_KUBECONFIG (or -Dk8s.kubeconfig)"
            + " to a kubeconfig file allowed to manage Leases, and optionally EBA_K8S_IT_NAMESPACE (default 'default')";

    private String kubeconfig;
    private String namespace;

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private KubernetesClient client;
    private String fullLease;
    private String deltaLease;
    private String memberLease;

    /** Whether a kubeconfig was given; the test is skipped, with {@link #DISABLED_REASON}, when not (and etcd not started). */
    static boolean kubeconfigGiven() {
        String file = setting("k8s.kubeconfig", "EBA_K8S_IT_KUBECONFIG");
        return file != null && new File(file).isFile();
    }

    private static String setting(String property, String variable) {
        String value = System.getProperty(property, System.getenv(variable));
        return value == null || value.isBlank() ? null : value.strip();
    }

    private KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(new File(kubeconfig))).build();
    }

    @BeforeEach
    void connect() {
        kubeconfig = setting("k8s.kubeconfig", "EBA_K8S_IT_KUBECONFIG");
        namespace = Optional.ofNullable(setting("k8s.namespace", "EBA_K8S_IT_NAMESPACE")).orElse("default");
        client = newClient();
        String prefix = "eba-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        fullLease = prefix + "-full-snap";
        deltaLease = prefix + "-delta-snap";
        memberLease = prefix + "-0";
    }

    @AfterEach
    void deleteTheLeases() {
        if (client == null) {
            return;
        }
        try {
            for (String name : List.of(fullLease, deltaLease, memberLease)) {
                client.resources(Lease.class).inNamespace(namespace).withName(name).delete();
            }
        } finally {
            client.close();
        }
    }

    @Test
    @EnabledIf(value = "kubeconfigGiven", disabledReason = DISABLED_REASON)
    void createdLeasesCarryDruidsFormatsRenewedFromARealMemberAndItsBackup() throws Exception {
        for (String name : List.of(fullLease, deltaLease, memberLease)) {
            assertThat(lease(name)).as("lease %s before the test", name).isNull();
        }
        LeaseSettings settings = new LeaseSettings(Optional.of(namespace), true,
                Optional.of(new LeaseSettings.SnapshotLeaseNames(fullLease, deltaLease)),
                Optional.of(new LeaseSettings.MemberLeaseSettings(memberLease, Duration.ofSeconds(1))));
        Clock clock = Clock.systemUTC();
        Instant started = clock.instant().truncatedTo(ChronoUnit.MICROS);
        CaptureSettings capture = new CaptureSettings(new FullSnapshotter.Settings(Codec.ZSTD, 1, Duration.ofMinutes(1)),
                Duration.ofHours(1), new DeltaCapture.Settings(64 << 20, 128 << 20, Codec.ZSTD, 1));
        try (ObjectStore store = LocalStoreProvider.at(dir.resolve("store"));
             BackupService service = new BackupService(etcd.clients(), store, capture, "lease-real-it", clock);
             TaskScheduler control = new ExecutorTaskScheduler(clock, "backup-control");
             LeaseRenewal leases = new LeaseRenewal(new LeaseStore(newClient(), namespace, true), settings,
                     Optional.of(new EtcdMemberProbe(etcd.clients())), new ExecutorTaskScheduler(clock, "k8s-leases"));
             ContinuousBackup backup = new ContinuousBackup(service, Optional.empty(), Maintenance.none(), control,
                     leases.backupListener())) {
            // The member Lease: created by the first beat, renewed by the next ones.
            leases.startHeartbeat();
            MemberStatus status = MemberStatus.read(etcd.client(), etcd.clientUrls().get(0));
            String expected = Long.toHexString(status.memberId()) + ":" + Long.toHexString(status.clusterId()) + ":Leader";
            assertThat(expected).matches("[0-9a-f]{1,16}:[0-9a-f]{1,16}:(Leader|Member)");
            Await.await("the member lease to be created for " + expected, TIMEOUT, () -> expected.equals(holder(memberLease)));
            Lease member = lease(memberLease);
            assertThat(member.getMetadata().getAnnotations()).containsEntry(TLS_ANNOTATION, "false");
            Instant firstBeat = renewTime(memberLease);
            assertThat(firstBeat).isAfterOrEqualTo(started);
            Await.await("the heartbeat to renew the member lease", TIMEOUT, () -> renewTime(memberLease).isAfter(firstBeat));

            // The snapshot Leases: the published revisions in decimal, renewTime the snapshot's time.
            backup.start();
            Await.await("the backup to capture", TIMEOUT, () -> backup.state().capturing());
            long written = 0;
            for (int i = 0; i < 5; i++) {
                written = put("key-" + i);
            }
            long last = written;
            Await.await("the watch to deliver revision " + last, TIMEOUT, () -> backup.state().lastReceivedRevision() >= last);
            DeltaSegmentRef delta = backup.takeDeltaNow(Duration.ofSeconds(30)).orElseThrow();
            assertThat(delta.lastRevision()).isEqualTo(last);
            Await.await("the delta lease to hold revision " + last, TIMEOUT, () -> Long.toString(last).equals(holder(deltaLease)));
            assertThat(renewTime(deltaLease)).isEqualTo(delta.publishedAt().truncatedTo(ChronoUnit.MICROS));

            long afterDelta = put("after-delta");
            FullSnapshotRef full = backup.takeFullNow();
            assertThat(full.revision()).isEqualTo(afterDelta);
            Await.await("the full lease to hold revision " + afterDelta, TIMEOUT,
                    () -> Long.toString(afterDelta).equals(holder(fullLease)));
            assertThat(renewTime(fullLease)).isEqualTo(full.createdAt().truncatedTo(ChronoUnit.MICROS));

            // Never lowered: an older delta leaves the delta Lease as it is. Lease writes run in order
            // on one thread, so once the full Lease shows the write queued after it, it was handled.
            Instant deltaRenewed = renewTime(deltaLease);
            leases.backupListener().deltaPublished(Duration.ZERO, new DeltaSegmentRef("it/older", delta.generation(), 1, last - 1, 1,
                    clock.instant(), 0));
            Instant marker = clock.instant().plusSeconds(1).truncatedTo(ChronoUnit.MICROS);
            leases.backupListener().fullTaken(Duration.ZERO, new FullSnapshotRef("it/same", full.generation(), afterDelta, marker, 1));
            Await.await("the same full revision to renew the full lease", TIMEOUT, () -> marker.equals(renewTime(fullLease)));
            assertThat(holder(fullLease)).isEqualTo(Long.toString(afterDelta));
            assertThat(holder(deltaLease)).as("never lowered").isEqualTo(Long.toString(last));
            assertThat(renewTime(deltaLease)).as("not renewed by an older delta").isEqualTo(deltaRenewed);
        }
    }

    private Lease lease(String name) {
        return client.resources(Lease.class).inNamespace(namespace).withName(name).get();
    }

    /** The Lease's holder; null while it does not exist. */
    private String holder(String name) {
        Lease lease = lease(name);
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }

    private Instant renewTime(String name) {
        return lease(name).getSpec().getRenewTime().toInstant();
    }

    private long put(String key) throws Exception {
        return etcd.client().getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8),
                ByteSequence.from("v", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }
}
