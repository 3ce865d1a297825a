package io.etcdbackup.agent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.etcdbackup.restore.EtcdTool;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Disaster recovery for Kubernetes: {@code restore --bump-revision N --mark-compacted} through the
 * jar, on real etcd. What etcdutl (3.5.8+) does, and what these tests hold it to: it raises the
 * restored database's latest revision from S (the backup's) to S + N and records a scheduled
 * compaction at S + N, which the restored member runs as it starts ("resume scheduled
 * compaction" in its log). So the member answers at revision S + N before any write, its first
 * write is S + N + 1, keys keep their own create and mod revisions, and every watch from a
 * revision below S + N is cancelled as compacted at S + N: clients that saw revisions up to
 * S + N - 1 before the disaster (N must exceed the writes lost since the backup) re-list, as
 * Kubernetes informers do, instead of waiting for revisions that come with other data or never.
 * Where the etcd binaries have no etcdutl 3.5.8+ (etcd 3.4), the bump is refused instead.
 */
class BumpRevisionIT {

    private static final long BUMP = 1000;

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private static void assumeEtcdutlBumps() {
        assumeTrue(TestEtcdBinaries.get().supportsBumpRevision(), "--bump-revision needs etcdutl 3.5.8+; the tests run on etcd "
                + TestEtcdBinaries.version() + " (" + TestEtcdBinaries.get().version() + "), which has "
                + (TestEtcdBinaries.get().etcdutl().isPresent() ? "an older etcdutl" : "no etcdutl"));
    }

    @Test
    void aChainOfFullAndDeltasRestoresAtBackupRevisionPlusBumpWithEveryOlderWatchCompacted() throws Exception {
        assumeEtcdutlBumps();
        String store = "file://" + dir.resolve("store");
        Client source = etcd.client();
        new Workload(source, 41).run(150, false);
        agent("snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store);
        new Workload(source, 42).run(150, false);
        agent("snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store);
        new Workload(source, 43).run(150, false);
        // Quiet source: the short leases' revocations are revisions, and S must be the source's last one.
        Workload.awaitShortLeasesRevoked(source);
        long s = captured(agent("snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store), "delta captured up to revision (\\d+)");
        assertThat(Keyspace.read(source, 0).revision()).as("the source's revision is the captured one").isEqualTo(s);

        restoreBumpedAndCheck(store, s);
    }

    @Test
    void aFullSnapshotAloneRestoresTheSameWay() throws Exception {
        assumeEtcdutlBumps();
        String store = "file://" + dir.resolve("store");
        Client source = etcd.client();
        new Workload(source, 44).run(200, false);
        Workload.awaitShortLeasesRevoked(source);
        long s = Keyspace.read(source, 0).revision();
        long full = captured(agent("snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store), "revision=(\\d+)");
        assertThat(full).isEqualTo(s);

        restoreBumpedAndCheck(store, s);
    }

    @Test
    void withoutEtcdutl358TheBumpIsRefusedNamingTheVersionFoundBeforeAnythingIsRestored() throws Exception {
        assumeFalse(TestEtcdBinaries.get().supportsBumpRevision(), "etcd " + TestEtcdBinaries.get().version()
                + " has etcdutl 3.5.8+: the other tests run the bump");
        String store = "file://" + dir.resolve("store");
        new Workload(etcd.client(), 45).run(20, false);
        agent("snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store);
        Path dataDir = dir.resolve("restored.etcd");
        AgentProcess.Result refused = AgentProcess.run(etcd.binaries().etcd().getParent(), "restore", "--store", store,
                "--data-dir", dataDir.toString(), "--bump-revision", Long.toString(BUMP), "--mark-compacted");
        assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(1);
        assertThat(refused.stderr()).contains("error: --bump-revision and --mark-compacted need etcdutl 3.5.8 or later; found etcd "
                + etcd.binaries().version());
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("store");
        }
    }

    @Test
    void markCompactedWithoutABumpIsAUsageError() throws Exception {
        AgentProcess.Result refused = AgentProcess.run(etcd.binaries().etcd().getParent(), "restore", "--store",
                "file://" + dir.resolve("store"), "--data-dir", dir.resolve("restored.etcd").toString(), "--mark-compacted");
        assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(2);
        assertThat(refused.stderr()).contains("--mark-compacted", "needs --bump-revision");
    }

    /** Restores the latest state of {@code store} with the bump through the jar and checks the member it makes. */
    private void restoreBumpedAndCheck(String store, long s) throws Exception {
        Keyspace expected = Keyspace.read(etcd.client(), s);
        assertThat(expected.keys()).hasSizeGreaterThan(50);
        long bumped = s + BUMP;
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored.etcd");
            List<String> args = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString()));
            args.addAll(restored.restoreFlags());
            args.addAll(List.of("--bump-revision", Long.toString(BUMP), "--mark-compacted"));
            AgentProcess.Result result = agent(args.toArray(String[]::new));
            assertThat(result.stdout()).contains(" revision=" + bumped + " backup_revision=" + s + " compacted_up_to=" + bumped + " ");
            // The bump is in the database file itself, before etcd runs on it.
            assertThat(new EtcdTool(etcd.binaries()).status(dataDir.resolve("member/snap/db")).revision()).isEqualTo(bumped);

            Client member = restored.start(etcd.binaries(), dataDir);
            // (a) the member answers at S + N before any write
            Keyspace actual = Keyspace.read(member, 0);
            assertThat(actual.revision()).as("header revision of the restored member").isEqualTo(bumped);
            // (b) the source's keys and values, with their own create and mod revisions, versions and leases
            assertThat(actual.keys()).isEqualTo(expected.keys());
            // (c) a watch from any revision before S + N is cancelled as compacted at S + N
            for (long from : List.of(s - 5, s, s + 1, bumped - 1)) {
                assertThat(watchError(member, from)).as("watch from revision %d", from)
                        .isInstanceOfSatisfying(CompactedException.class, e -> assertThat(e.getCompactedRevision()).isEqualTo(bumped));
            }
            // ... and a read at a revision below S + N fails as compacted
            ByteSequence any = ByteSequence.from(expected.keys().keySet().iterator().next(), StandardCharsets.UTF_8);
            assertThatThrownBy(() -> member.getKVClient().get(any, GetOption.builder().withRevision(s).build()).get())
                    .hasMessageContaining("required revision has been compacted");
            // (d) a watch from S + N is accepted and sees the first new write, at S + N + 1
            CompletableFuture<WatchEvent> seen = new CompletableFuture<>();
            ByteSequence key = Workload.bytes("/registry/after-restore");
            try (Watch.Watcher watcher = member.getWatchClient().watch(key, WatchOption.builder().withRevision(bumped).build(),
                    Watch.listener((WatchResponse r) -> r.getEvents().forEach(seen::complete), seen::completeExceptionally))) {
                long written = member.getKVClient().put(key, Workload.bytes("new")).get().getHeader().getRevision();
                assertThat(written).as("revision of the first write").isEqualTo(bumped + 1);
                assertThat(seen.get(30, TimeUnit.SECONDS).getKeyValue().getModRevision()).isEqualTo(bumped + 1);
            }
        }
    }

    /** What a watch from {@code revision} on every key fails with (it must fail: the test waits for it). */
    private static Throwable watchError(Client client, long revision) throws Exception {
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        ByteSequence all = ByteSequence.from(new byte[] {0});
        try (Watch.Watcher ignored = client.getWatchClient().watch(all, WatchOption.builder().withRange(all).withRevision(revision).build(),
                Watch.listener(r -> error.completeExceptionally(new AssertionError("events instead of an error: " + r.getEvents())),
                        error::complete))) {
            return error.get(30, TimeUnit.SECONDS);
        }
    }

    private AgentProcess.Result agent(String... args) throws Exception {
        AgentProcess.Result result = AgentProcess.run(etcd.binaries().etcd().getParent(), args);
        assertThat(result.exitCode()).as(String.join(" ", args) + "\n" + result.stderr()).isZero();
        return result;
    }

    private static long captured(AgentProcess.Result result, String pattern) {
        Matcher matcher = Pattern.compile(pattern).matcher(result.stdout());
        assertThat(matcher.find()).as(result.stdout()).isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
