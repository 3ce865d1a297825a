package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.agent.testing.ManualClock;
import io.etcdbackup.agent.lifecycle.FakeEtcdMembership.Change;
import io.etcdbackup.agent.lifecycle.StartPlan.ClusterState;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.init.DataDirValidator;
import io.etcdbackup.restore.init.InitializationRequest;
import io.etcdbackup.restore.init.Initializer;
import io.etcdbackup.restore.init.Safeguard;
import io.etcdbackup.restore.init.ValidationMode;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code initialize --service-endpoints} does for each start decision, in what order, and what
 * it returns: against an in-memory member list ({@link FakeEtcdMembership}), a virtual clock that
 * only the fake pause moves, a real {@link Initializer} over an empty local store, and a real
 * {@link DataDirValidator}. Missing, empty and incomplete data dirs are judged by their layout; for
 * valid ones a one-line script stands in for {@code etcdutl snapshot status} (revision 42).
 * The same paths on real etcd: MemberLifecycleIT.
 */
class MemberStartupTest {

    private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    private static final String CONFIGURED = "etcd-0=http://etcd-0:2380,etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380";
    private static final String JOINED = "etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380,etcd-0=http://etcd-0:2380";
    private static final MemberSpec SELF = new MemberSpec("etcd-0", List.of(FakeEtcdMembership.peer("etcd-0")));
    private static final Duration WAIT_TIMEOUT = Duration.ofSeconds(20);
    private static final long ID_0 = 100;
    private static final long ID_1 = 101;
    private static final long ID_2 = 102;
    private static final long ID_3 = 103;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(T0);
    private final FakeEtcdMembership cluster = new FakeEtcdMembership();
    private final List<Duration> pauses = new ArrayList<>();
    private Runnable afterPause = () -> { };
    private ObjectStore store;
    private Path dataDir;
    private AsideData aside;

    @BeforeEach
    void setUp() throws IOException {
        store = LocalStoreProvider.at(Files.createDirectories(dir.resolve("store")));
        dataDir = dir.resolve("etcd-0");
        aside = new AsideData(dataDir);
        cluster.recordWith(() -> "data " + (aside.exists() ? "aside" : "in place"));
    }

    @AfterEach
    void tearDown() throws IOException {
        store.close();
    }

    /** etcd-1 leads etcd-1 and etcd-2, all answer; etcd-0 (this member) is not listed. */
    private FakeEtcdMembership healthyWithoutSelf() {
        return cluster.voter(ID_1, "etcd-1").voter(ID_2, "etcd-2").leader(ID_1);
    }

    private FakeEtcdMembership healthyWithSelf() {
        return cluster.voter(ID_0, "etcd-0").voter(ID_1, "etcd-1").voter(ID_2, "etcd-2").leader(ID_1);
    }

    private StartResult start() throws Exception {
        EtcdBinaries binaries = statusToolReportingRevision42();
        Initializer initializer = new Initializer(store, new RestorePlanner(new Catalog(store)),
                new Restorer.Settings(binaries, dir.resolve("scratch"), 3600, 1), clock);
        MemberStartup startup = new MemberStartup(cluster, initializer, new DataDirValidator(binaries), clock, duration -> {
            pauses.add(duration);
            clock.advance(duration);
            afterPause.run();
        }, WAIT_TIMEOUT);
        return startup.start(SELF, new InitializationRequest(new RestoreTarget(dataDir, "etcd-0", CONFIGURED, "http://etcd-0:2380",
                "etcd-cluster", false), ValidationMode.SANITY, store.location()));
    }

    /** Binaries whose offline tool answers {@code snapshot status} with revision 42; etcd itself is never run. */
    private EtcdBinaries statusToolReportingRevision42() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path etcdutl = bin.resolve("etcdutl");
        Files.writeString(etcdutl, "#!/bin/sh\necho '{\"hash\":1,\"revision\":42,\"totalKey\":3,\"totalSize\":4096}'\n");
        Files.setPosixFilePermissions(etcdutl, PosixFilePermissions.fromString("rwx------"));
        return new EtcdBinaries(bin.resolve("etcd"), bin.resolve("etcdctl"), Optional.of(etcdutl), "3.5.17");
    }

    /** A complete etcd layout (valid for the stand-in tool). */
    private void validData() throws IOException {
        Files.createDirectories(dataDir.resolve("member/snap"));
        Files.createDirectories(dataDir.resolve("member/wal"));
        Files.write(dataDir.resolve("member/snap/db"), new byte[] {1});
        Files.write(dataDir.resolve("member/wal/0000000000000000-0000000000000000.wal"), new byte[] {1});
    }

    /** Old data etcd cannot start on (no WAL): invalid without asking any tool. */
    private void oldInvalidData() throws IOException {
        Files.createDirectories(dataDir.resolve("member/snap"));
        Files.writeString(dataDir.resolve("member/old-data"), "the member's old data");
    }

    private void assertOldDataAside() throws IOException {
        assertThat(aside.location().resolve("member/old-data")).hasContent("the member's old data");
    }

    @Test
    void keepStartsEtcdOnTheValidDataAndClaimsTheDataDirWhenUnclaimed() throws Exception {
        healthyWithSelf();
        validData();

        StartResult result = start();

        assertThat(result.decision()).isEqualTo("KEEP");
        assertThat(result.successful()).isTrue();
        assertThat(result.clusterState()).isEqualTo(ClusterState.EXISTING);
        assertThat(result.initialCluster()).isEqualTo(JOINED);
        assertThat(result.revision()).hasValue(42);
        assertThat(Safeguard.read(dataDir)).contains(new Safeguard(store.location(), T0));
        assertThat(cluster.changes()).isEmpty();
        assertThat(aside.exists()).isFalse();
    }

    @Test
    void keepLeavesAnExistingClaimOfTheSameIdentityAsItIs() throws Exception {
        healthyWithSelf();
        validData();
        Safeguard earlier = new Safeguard(store.location(), T0.minus(Duration.ofDays(3)));
        earlier.writeTo(dataDir);

        assertThat(start().decision()).isEqualTo("KEEP");

        assertThat(Safeguard.read(dataDir)).contains(earlier);
    }

    @Test
    void aDataDirClaimedByAnotherClusterIsRefusedAndNothingIsChanged() throws Exception {
        healthyWithoutSelf();
        oldInvalidData();
        new Safeguard("s3://other-cluster/backups", T0).writeTo(dataDir);

        StartResult result = start();

        assertThat(result.refused()).isTrue();
        assertThat(result.successful()).isFalse();
        assertThat(result.reason()).contains("wrong volume", "s3://other-cluster/backups");
        assertThat(cluster.changes()).isEmpty();
        assertThat(aside.exists()).isFalse();
        assertThat(dataDir.resolve("member/old-data")).exists();
    }

    @Test
    void joinMovesTheDataAsideThenAddsTheMemberAsALearnerThatStartsEmpty() throws Exception {
        healthyWithoutSelf();
        oldInvalidData();

        StartResult result = start();

        assertThat(cluster.changes()).containsExactly("addLearner http://etcd-0:2380 | data aside");
        assertThat(result.decision()).isEqualTo("JOIN");
        assertThat(result.successful()).isTrue();
        assertThat(result.clusterState()).isEqualTo(ClusterState.EXISTING);
        assertThat(result.initialCluster()).isEqualTo(JOINED);
        assertThat(result.reason()).contains("kept in " + aside.location() + " until the member votes");
        assertOldDataAside();
        assertThat(dataDir).isDirectoryContaining(p -> p.getFileName().toString().equals(Safeguard.FILE_NAME));
        assertThat(Files.exists(dataDir.resolve("member"))).isFalse();
        assertThat(cluster.members()).anyMatch(m -> m.learner() && m.peerUrls().equals(SELF.peerUrls()));
    }

    @Test
    void rejoinRemovesTheOldEntryWhileTheDataIsInPlaceThenMovesItAsideAndAddsTheMemberBack() throws Exception {
        healthyWithSelf();
        oldInvalidData();

        StartResult result = start();

        assertThat(cluster.changes()).containsExactly("remove 100 | data in place", "addLearner http://etcd-0:2380 | data aside");
        assertThat(result.decision()).isEqualTo("REJOIN");
        assertThat(result.successful()).isTrue();
        assertThat(result.clusterState()).isEqualTo(ClusterState.EXISTING);
        assertThat(result.initialCluster()).isEqualTo(JOINED);
        assertOldDataAside();
    }

    @Test
    void resumeJoinAddsNothingAndStartsEmpty() throws Exception {
        healthyWithoutSelf().unstarted(ID_0, FakeEtcdMembership.peer("etcd-0"));
        oldInvalidData();

        StartResult result = start();

        assertThat(cluster.changes()).isEmpty();
        assertThat(result.decision()).isEqualTo("RESUME_JOIN");
        assertThat(result.successful()).isTrue();
        assertThat(result.clusterState()).isEqualTo(ClusterState.EXISTING);
        assertOldDataAside();
    }

    @Test
    void whileAnotherLearnerCatchesUpItAsksAgainWithGrowingPausesThenJoins() throws Exception {
        healthyWithoutSelf().learner(ID_3, "etcd-3");
        afterPause = () -> {
            if (pauses.size() == 3) {
                cluster.promotedElsewhere(ID_3);
            }
        };

        StartResult result = start();

        assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
        assertThat(cluster.observations()).isEqualTo(4);
        assertThat(cluster.changes()).containsExactly("addLearner http://etcd-0:2380 | data in place");
        assertThat(result.decision()).isEqualTo("JOIN");
        assertThat(result.successful()).isTrue();
    }

    @Test
    void aLearnerNotPromotedWithinTheWaitTimeoutMakesItRefuseWithTheReason() throws Exception {
        healthyWithoutSelf().learner(ID_3, "etcd-3");
        oldInvalidData();

        StartResult result = start();

        assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(10));
        assertThat(result.decision()).isEqualTo("REFUSE");
        assertThat(result.refused()).isTrue();
        assertThat(result.successful()).isFalse();
        assertThat(result.reason()).startsWith("gave up after waiting 20 s: ").contains("waiting for etcd-3 (learner) to be promoted");
        assertThat(cluster.changes()).isEmpty();
        assertThat(aside.exists()).isFalse();
    }

    @Test
    void aRetryableRefusalToAddTheLearnerIsWaitedOutAndAskedAgain() throws Exception {
        healthyWithoutSelf().refuseNext(Change.ADD_LEARNER, true, "etcdserver: too many learner members in cluster");
        oldInvalidData();

        StartResult result = start();

        assertThat(cluster.changes()).containsExactly("addLearner http://etcd-0:2380 refused | data aside",
                "addLearner http://etcd-0:2380 | data aside");
        assertThat(pauses).containsExactly(Duration.ofSeconds(1));
        assertThat(result.decision()).isEqualTo("JOIN");
        assertThat(result.successful()).isTrue();
        assertOldDataAside();
    }

    @Test
    void aNonRetryableRefusalFailsTheStartAndLeavesTheOldDataAside() throws Exception {
        healthyWithSelf().refuseNext(Change.ADD_LEARNER, false, "etcdserver: permission denied");
        oldInvalidData();

        StartResult result = start();

        assertThat(cluster.changes()).containsExactly("remove 100 | data in place",
                "addLearner http://etcd-0:2380 refused | data aside");
        assertThat(pauses).isEmpty();
        assertThat(result.decision()).isEqualTo("REJOIN");
        assertThat(result.successful()).isFalse();
        assertThat(result.refused()).isFalse();
        assertThat(result.reason()).startsWith("REJOIN failed: etcdserver: permission denied")
                .contains("the old data, if any, is in " + aside.location());
        assertOldDataAside();
    }

    @Test
    void whenNoMemberAnswersTheInitializerPreparesTheDataDirForTheConfiguredCluster() throws Exception {
        cluster.silent();

        StartResult result = start();

        assertThat(result.decision()).isEqualTo("FRESH"); // no data dir, no backups: a new cluster
        assertThat(result.successful()).isTrue();
        assertThat(result.clusterState()).isEqualTo(ClusterState.NEW);
        assertThat(result.initialCluster()).isEqualTo(CONFIGURED);
        assertThat(result.reason()).contains("no member of the cluster answers");
        assertThat(Safeguard.read(dataDir)).isPresent();
        assertThat(cluster.changes()).isEmpty();
        assertThat(pauses).isEmpty();
    }

    @Test
    void whenNoMemberAnswersARefusalOfTheInitializerIsTheStartsRefusal() throws Exception {
        cluster.silent();
        oldInvalidData(); // invalid, and no backup to restore it from

        StartResult result = start();

        assertThat(result.decision()).isEqualTo("REFUSE");
        assertThat(result.refused()).isTrue();
        assertThat(result.successful()).isFalse();
        assertThat(dataDir.resolve("member/old-data")).exists();
        assertThat(aside.exists()).isFalse();
        assertThat(cluster.changes()).isEmpty();
    }
}
