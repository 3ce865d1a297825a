package io.etcdbackup.agent.cluster;

import io.etcdbackup.agent.schedule.VirtualTaskScheduler;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A single-member cluster has no rival leader: its agent writes from the first check. */
class SoleVoterLeaderGatingIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void theOnlyVotingMembersAgentWritesFromTheFirstCheck() throws Exception {
        VirtualTaskScheduler scheduler = new VirtualTaskScheduler(Instant.parse("2026-11-22T10:00:00Z"));
        List<AutoCloseable> opened = new ArrayList<>();
        ObjectStore store = LocalStoreProvider.at(dir.resolve("store"));
        opened.add(store);
        try {
            LeaderGatedBackup gate = LeaderGatedBackupIT.startedGate(etcd.clients(), store, scheduler, opened);
            scheduler.runDue();
            assertThat(gate.view().role()).isEqualTo(Role.LEADER);
            assertThat(gate.active()).as("no second check needed").isPresent();
            assertThat(gate.active().get().state().capturing()).isTrue();
        } finally {
            for (int i = opened.size() - 1; i >= 0; i--) {
                opened.get(i).close();
            }
        }
    }
}
