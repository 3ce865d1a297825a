package io.etcdbackup.agent.lease;

import io.etcdbackup.agent.schedule.VirtualTaskScheduler;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * The Leases as etcd-druid reads them, written to fabric8's mock API server in CRUD mode (which
 * stores what it is sent): the exact holder strings, renew times and annotation, and when the
 * agent leaves a Lease alone. The raw JSON is read back, so the format on the wire is what is checked.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LeaseRenewalTest {

    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static final Instant T0 = Instant.parse("2026-12-06T10:15:30.123456789Z");
    private static final LeaseSettings.SnapshotLeaseNames SNAPSHOT_LEASES = new LeaseSettings.SnapshotLeaseNames("etcd-main-full-snap",
            "etcd-main-delta-snap");

    static KubernetesMockServer server;
    static KubernetesClient client;

    private String namespace;
    private VirtualTaskScheduler scheduler;
    private LeaseStore store;

    @BeforeEach
    void openStore() {
        namespace = "ns-" + NAMESPACES.incrementAndGet();
        scheduler = new VirtualTaskScheduler(T0);
        store = new LeaseStore(server.createClient(), namespace, false);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private void druidCreates(String name) {
        client.resources(Lease.class).inNamespace(namespace).resource(new LeaseBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().endSpec().build()).create();
    }

    private Lease lease(String name) {
        return client.resources(Lease.class).inNamespace(namespace).withName(name).get();
    }

    /** The Lease as JSON, exactly as the API server holds it. */
    private String json(String name) {
        return client.raw(client.getMasterUrl() + "apis/coordination.k8s.io/v1/namespaces/" + namespace + "/leases/" + name);
    }

    private SnapshotLeases snapshotLeases() {
        return new SnapshotLeases(store, SNAPSHOT_LEASES, scheduler);
    }

    private MemberHeartbeat heartbeat(MemberProbe probe) {
        return new MemberHeartbeat(store, new LeaseSettings.MemberLeaseSettings("etcd-main-0", Duration.ofSeconds(10)), probe, scheduler);
    }

    @Test
    void aPublishedSnapshotWritesItsLastRevisionInDecimalAndItsTimeInMicroseconds() {
        druidCreates("etcd-main-full-snap");
        druidCreates("etcd-main-delta-snap");
        SnapshotLeases leases = snapshotLeases();

        leases.fullTaken(Duration.ofSeconds(1), new FullSnapshotRef("k/full", "g1", 1234, T0, 10));
        leases.deltaPublished(Duration.ofSeconds(1), new DeltaSegmentRef("k/delta", "g1", 1235, 4321, 10, T0.plusSeconds(20)));
        scheduler.runDue();

        assertThat(json("etcd-main-full-snap")).contains("\"holderIdentity\":\"1234\"")
                .contains("\"renewTime\":\"2026-12-06T10:15:30.123456Z\"");
        assertThat(json("etcd-main-delta-snap")).contains("\"holderIdentity\":\"4321\"")
                .contains("\"renewTime\":\"2026-12-06T10:15:50.123456Z\"");
    }

    @Test
    void aCompactedBaseRenewsTheFullSnapshotLeaseSoDruidStopsAskingForCompaction() {
        druidCreates("etcd-main-full-snap");
        SnapshotLeases leases = snapshotLeases();

        leases.baseCompacted(new FullSnapshotRef("k/base", "g2", 98765, T0.plusSeconds(90), 10));
        scheduler.runDue();

        assertThat(json("etcd-main-full-snap")).contains("\"holderIdentity\":\"98765\"")
                .contains("\"renewTime\":\"2026-12-06T10:17:00.123456Z\"");
    }

    @Test
    void aSnapshotLeaseIsNeverLoweredButTheSameRevisionRenewsIt() {
        druidCreates("etcd-main-delta-snap");
        SnapshotLeases leases = snapshotLeases();

        assertThat(leases.renew("etcd-main-delta-snap", 200, T0)).isEqualTo(LeaseStore.Outcome.WRITTEN);
        assertThat(leases.renew("etcd-main-delta-snap", 150, T0.plusSeconds(5))).isEqualTo(LeaseStore.Outcome.UNCHANGED);
        assertThat(lease("etcd-main-delta-snap").getSpec().getHolderIdentity()).isEqualTo("200");
        assertThat(json("etcd-main-delta-snap")).contains("\"renewTime\":\"2026-12-06T10:15:30.123456Z\"");

        assertThat(leases.renew("etcd-main-delta-snap", 200, T0.plusSeconds(60))).isEqualTo(LeaseStore.Outcome.WRITTEN);
        assertThat(json("etcd-main-delta-snap")).contains("\"holderIdentity\":\"200\"")
                .contains("\"renewTime\":\"2026-12-06T10:16:30.123456Z\"");
    }

    @Test
    void aQuietDeltaPeriodRenewsTheDeltaLeaseWithTheRevisionAlreadyPublished() {
        druidCreates("etcd-main-delta-snap");
        SnapshotLeases leases = snapshotLeases();
        leases.deltaUpToDate(200, T0);
        scheduler.runDue();
        assertThat(json("etcd-main-delta-snap")).contains("\"holderIdentity\":\"200\"")
                .contains("\"renewTime\":\"2026-12-06T10:15:30.123456Z\"");

        leases.deltaUpToDate(200, T0.plusSeconds(20)); // the next quiet period
        scheduler.runDue();
        assertThat(json("etcd-main-delta-snap")).contains("\"holderIdentity\":\"200\"")
                .contains("\"renewTime\":\"2026-12-06T10:15:50.123456Z\"");
    }

    @Test
    void aHolderThatIsNoRevisionIsReplaced() {
        client.resources(Lease.class).inNamespace(namespace).resource(new LeaseBuilder().withNewMetadata().withName("etcd-main-full-snap")
                .endMetadata().withNewSpec().withHolderIdentity("someone").endSpec().build()).create();

        assertThat(snapshotLeases().renew("etcd-main-full-snap", 7, T0)).isEqualTo(LeaseStore.Outcome.WRITTEN);
        assertThat(lease("etcd-main-full-snap").getSpec().getHolderIdentity()).isEqualTo("7");
    }

    @Test
    void theMemberLeaseNamesTheMemberItsClusterAndItsRoleInHexWithThePeerTlsAnnotation() {
        druidCreates("etcd-main-0");
        AtomicReference<MemberState> state = new AtomicReference<>(new MemberState(0x8e9e05c52164694dL, 0xcdf818194e3a8c32L,
                0x8e9e05c52164694dL, true));
        MemberHeartbeat heartbeat = heartbeat(fixed(state));

        assertThat(heartbeat.beat()).contains(LeaseStore.Outcome.WRITTEN);
        assertThat(json("etcd-main-0")).contains("\"holderIdentity\":\"8e9e05c52164694d:cdf818194e3a8c32:Leader\"")
                .contains("\"member.etcd.gardener.cloud/tls-enabled\":\"true\"")
                .contains("\"renewTime\":\"2026-12-06T10:15:30.123456Z\"");

        state.set(new MemberState(0x1aL, 0xcdf818194e3a8c32L, 0x8e9e05c52164694dL, false));
        assertThat(heartbeat.beat()).contains(LeaseStore.Outcome.WRITTEN);
        assertThat(json("etcd-main-0")).contains("\"holderIdentity\":\"1a:cdf818194e3a8c32:Member\"")
                .contains("\"member.etcd.gardener.cloud/tls-enabled\":\"false\"");
    }

    @Test
    void theMemberLeaseIsRenewedEveryHeartbeatUntilClosed() {
        druidCreates("etcd-main-0");
        MemberHeartbeat heartbeat = heartbeat(fixed(new AtomicReference<>(new MemberState(1, 2, 1, false))));
        heartbeat.start();
        scheduler.runDue();
        assertThat(json("etcd-main-0")).contains("\"renewTime\":\"2026-12-06T10:15:30.123456Z\"");

        scheduler.advance(Duration.ofSeconds(10));
        assertThat(json("etcd-main-0")).contains("\"renewTime\":\"2026-12-06T10:15:40.123456Z\"");

        heartbeat.close();
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(json("etcd-main-0")).contains("\"renewTime\":\"2026-12-06T10:15:40.123456Z\"");
    }

    @Test
    void theMemberLeaseIsNotRenewedWhileTheMemberKnowsNoLeader() {
        druidCreates("etcd-main-0");
        AtomicReference<MemberState> state = new AtomicReference<>(new MemberState(1, 2, 1, false));
        MemberHeartbeat heartbeat = heartbeat(fixed(state));
        heartbeat.start();
        scheduler.runDue();
        String renewed = json("etcd-main-0");

        state.set(new MemberState(1, 2, 0, false));
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(json("etcd-main-0")).isEqualTo(renewed);

        state.set(new MemberState(1, 2, 3, false));
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(json("etcd-main-0")).contains("\"holderIdentity\":\"1:2:Member\"")
                .contains("\"renewTime\":\"2026-12-06T10:16:10.123456Z\"");
    }

    @Test
    void aMissingLeaseIsSkippedWithoutCreateLeases() {
        assertThat(snapshotLeases().renew("etcd-main-full-snap", 10, T0)).isEqualTo(LeaseStore.Outcome.MISSING);
        assertThat(heartbeat(fixed(new AtomicReference<>(new MemberState(1, 2, 1, false)))).beat()).contains(LeaseStore.Outcome.MISSING);
        assertThat(lease("etcd-main-full-snap")).isNull();
        assertThat(lease("etcd-main-0")).isNull();
    }

    @Test
    void aMissingLeaseIsCreatedWithCreateLeases() {
        try (LeaseStore creating = new LeaseStore(server.createClient(), namespace, true)) {
            SnapshotLeases leases = new SnapshotLeases(creating, SNAPSHOT_LEASES, scheduler);
            assertThat(leases.renew("etcd-main-full-snap", 10, T0)).isEqualTo(LeaseStore.Outcome.CREATED);
            assertThat(leases.renew("etcd-main-full-snap", 11, T0)).isEqualTo(LeaseStore.Outcome.WRITTEN);
            MemberHeartbeat heartbeat = new MemberHeartbeat(creating, new LeaseSettings.MemberLeaseSettings("etcd-main-0",
                    Duration.ofSeconds(10)), fixed(new AtomicReference<>(new MemberState(1, 2, 1, true))), scheduler);
            assertThat(heartbeat.beat()).contains(LeaseStore.Outcome.CREATED);
        }
        assertThat(json("etcd-main-full-snap")).contains("\"holderIdentity\":\"11\"");
        assertThat(json("etcd-main-0")).contains("\"holderIdentity\":\"1:2:Leader\"")
                .contains("\"member.etcd.gardener.cloud/tls-enabled\":\"true\"");
    }

    @Test
    void anUnreachableApiServerIsLoggedAndNeverThrowsIntoTheBackup() {
        Config unreachable = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:1").withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(1000).withRequestTimeout(1000).build();
        try (LeaseStore failing = new LeaseStore(new KubernetesClientBuilder().withConfig(unreachable).build(), "ns", true)) {
            SnapshotLeases leases = new SnapshotLeases(failing, SNAPSHOT_LEASES, scheduler);
            assertThatCode(() -> {
                leases.fullTaken(Duration.ofSeconds(1), new FullSnapshotRef("k/full", "g1", 5, T0, 10));
                leases.deltaPublished(Duration.ofSeconds(1), new DeltaSegmentRef("k/delta", "g1", 6, 9, 10, T0));
                scheduler.runDue();
            }).doesNotThrowAnyException();
            assertThat(scheduler.tasksRun()).isEqualTo(2);
            assertThat(leases.renew("etcd-main-full-snap", 5, T0)).isEqualTo(LeaseStore.Outcome.UNCHANGED);
            MemberHeartbeat heartbeat = new MemberHeartbeat(failing, new LeaseSettings.MemberLeaseSettings("etcd-main-0",
                    Duration.ofSeconds(10)), fixed(new AtomicReference<>(new MemberState(1, 2, 1, true))), scheduler);
            assertThat(heartbeat.beat()).isEmpty();
        }
    }

    @Test
    void anEtcdThatDoesNotAnswerSkipsTheBeatAndTheNextOneComesOnTime() {
        druidCreates("etcd-main-0");
        AtomicReference<MemberState> state = new AtomicReference<>(null);
        MemberHeartbeat heartbeat = heartbeat(() -> Optional.ofNullable(state.get()).orElseThrow(
                () -> new IllegalStateException("etcd does not answer")));
        heartbeat.start();
        scheduler.runDue();
        assertThat(lease("etcd-main-0").getSpec().getRenewTime()).isNull();

        state.set(new MemberState(1, 2, 1, false));
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(json("etcd-main-0")).contains("\"renewTime\":\"2026-12-06T10:15:40.123456Z\"");
    }

    private static MemberProbe fixed(AtomicReference<MemberState> state) {
        return () -> state.get();
    }
}
