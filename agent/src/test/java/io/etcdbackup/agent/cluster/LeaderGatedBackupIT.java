package io.etcdbackup.agent.cluster;

import io.etcd.jetcd.Client;
import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.CaptureSettings;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.backup.Maintenance;
import io.etcdbackup.agent.metrics.BackupMetrics;
import io.etcdbackup.agent.schedule.VirtualTaskScheduler;
import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import io.etcdbackup.snapshot.etcd.MemberStatus;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leader gating against a real 3-member etcd cluster, checks driven on a virtual clock: an agent
 * writes only once its member has led at two consecutive checks of the same raft term, so a
 * leadership that changes between checks never takes the catalog over.
 */
class LeaderGatedBackupIT {

    static final Duration CHECK_PERIOD = Duration.ofSeconds(5);

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(3);

    @TempDir
    Path dir;

    private ObjectStore store;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void openStore() throws Exception {
        store = LocalStoreProvider.at(dir.resolve("store"));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        store.close();
    }

    /** The gate of the agent beside member {@code index}, checking on {@code scheduler}. */
    private LeaderGatedBackup gateBeside(int index, VirtualTaskScheduler scheduler) {
        return startedGate(localTo(index), store, scheduler, opened);
    }

    /**
     * A started gate over the member {@code clients} name first, with backups to {@code store};
     * what it opens is added to {@code opened}.
     */
    static LeaderGatedBackup startedGate(EtcdClients clients, ObjectStore store, VirtualTaskScheduler scheduler,
                                         List<AutoCloseable> opened) {
        CaptureSettings settings = new CaptureSettings(new FullSnapshotter.Settings(Codec.ZSTD, 1, Duration.ofMinutes(1)), Duration.ofSeconds(20),
                new DeltaCapture.Settings(64 << 20, 128 << 20, Codec.ZSTD, 1));
        BackupService service = new BackupService(clients, store, settings, "agent", scheduler.clock());
        opened.add(service);
        LeaderGatedBackup gate = new LeaderGatedBackup(service,
                () -> new ContinuousBackup(service, Optional.empty(), Maintenance.none(), scheduler, new BackupMetrics(new SimpleMeterRegistry())),
                new AgentDirectory(store), Optional.of("http://127.0.0.1:1"), "http", scheduler, CHECK_PERIOD);
        opened.add(gate);
        gate.start(1);
        return gate;
    }

    private EtcdClients localTo(int index) {
        return new EtcdClients(EtcdConnection.plain(List.of(etcd.member(index).clientUrl())));
    }

    private MemberStatus statusOf(int index) {
        try (Client client = localTo(index).newClient()) {
            return MemberStatus.read(client, etcd.member(index).clientUrl());
        }
    }

    private int leaderIndex() {
        for (int i = 0; i < 3; i++) {
            if (statusOf(i).isLeader()) {
                return i;
            }
        }
        throw new AssertionError("no member leads");
    }

    /** Moves leadership from member {@code from} (the leader) to member {@code to}. */
    private void moveLeadership(int from, int to) throws Exception {
        long transferee = statusOf(to).memberId();
        try (Client client = localTo(from).newClient()) {
            client.getMaintenanceClient().moveLeader(transferee).get(30, TimeUnit.SECONDS);
        }
        await("leadership moved to member " + to, Duration.ofSeconds(30), () -> statusOf(from).leaderId(), leader -> leader == transferee);
    }

    @Test
    void theLeadersAgentWritesOnlyOnceASecondCheckConfirmsTheLeadership() {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:00:00Z"));
        int leader = leaderIndex();
        LeaderGatedBackup leaders = gateBeside(leader, scheduler);
        LeaderGatedBackup followers = gateBeside((leader + 1) % 3, scheduler);

        scheduler.runDue();
        assertThat(leaders.view().role()).isEqualTo(Role.LEADER);
        assertThat(leaders.active()).as("one check is not yet a confirmed leadership").isEmpty();
        assertThat(leaders.isHealthy()).as("not writing yet, so not healthy yet").isFalse();
        assertThat(followers.view().role()).isEqualTo(Role.FOLLOWER);

        scheduler.advance(CHECK_PERIOD);
        assertThat(leaders.active()).as("led at two checks in the same term").isPresent();
        assertThat(leaders.active().get().state().capturing()).isTrue();
        assertThat(leaders.isHealthy()).isTrue();
        assertThat(followers.active()).isEmpty();
        assertThat(followers.isHealthy()).isTrue();
    }

    @Test
    void eachCheckOfAnIdleClusterMovesTheRecoveryPointToTheCheck() {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:00:00Z"));
        LeaderGatedBackup gate = gateBeside(leaderIndex(), scheduler);
        scheduler.runDue();
        scheduler.advance(CHECK_PERIOD);
        ContinuousBackup backup = gate.active().orElseThrow();
        assertThat(backup.state().recoveryPointLag()).as("the check's revision is in the first full snapshot").contains(Duration.ZERO);

        scheduler.advance(CHECK_PERIOD.minusSeconds(1));
        assertThat(backup.state().recoveryPointLag()).contains(CHECK_PERIOD.minusSeconds(1));
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(backup.state().recoveryPointLag()).as("nothing changed in etcd: the next check is durable at once").contains(Duration.ZERO);
    }

    @Test
    void aMemberThatLostAndRegainedLeadershipBetweenChecksWaitsForOneMoreCheck() throws Exception {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:00:00Z"));
        int leader = leaderIndex();
        int other = (leader + 1) % 3;
        LeaderGatedBackup gate = gateBeside(leader, scheduler);
        scheduler.runDue();
        long firstTerm = gate.view().status().orElseThrow().raftTerm();

        moveLeadership(leader, other);
        moveLeadership(other, leader);
        scheduler.advance(CHECK_PERIOD);
        assertThat(gate.view().role()).isEqualTo(Role.LEADER);
        assertThat(gate.view().status().orElseThrow().raftTerm()).as("two elections later").isGreaterThan(firstTerm);
        assertThat(gate.active()).as("leading again, but in a term seen only once").isEmpty();

        scheduler.advance(CHECK_PERIOD);
        assertThat(gate.active()).as("confirmed in the new term").isPresent();
    }
}
