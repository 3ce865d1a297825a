package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same backup-and-restore round trip through the real jar, for any store URL: full snapshot,
 * workload, delta, more workload, delta, list, restore, compare with the source.
 */
final class CliRoundTrip {

    private CliRoundTrip() {
    }

    static void run(EtcdClusterExtension etcd, String store, Map<String, String> env, Path dir) throws Exception {
        run(etcd, store, List.of(), env, dir);
    }

    /** As {@link #run(EtcdClusterExtension, String, Map, Path)}, with {@code storeArgs} (e.g. an encryption key set) after every {@code --store}. */
    static void run(EtcdClusterExtension etcd, String store, List<String> storeArgs, Map<String, String> env, Path dir) throws Exception {
        Path bin = etcd.binaries().etcd().getParent();
        new Workload(etcd.client(), 21).run(150, false);
        expectSuccess(AgentProcess.run(List.of(), env, bin, args(storeArgs, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store)));
        new Workload(etcd.client(), 22).run(150, false);
        expectSuccess(AgentProcess.run(List.of(), env, bin, args(storeArgs, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store)));
        new Workload(etcd.client(), 23).run(150, false);
        AgentProcess.Result last = AgentProcess.run(List.of(), env, bin,
                args(storeArgs, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store));
        expectSuccess(last);
        // Compare at the revision the command captured: a short lease may expire right after it.
        java.util.regex.Matcher up = java.util.regex.Pattern.compile("up to revision (\\d+)").matcher(last.stdout());
        assertThat(up.find()).as(last.stdout()).isTrue();
        long captured = Long.parseLong(up.group(1));

        AgentProcess.Result list = AgentProcess.run(List.of(), env, bin, args(storeArgs, "list", "--store", store, "--output", "json"));
        expectSuccess(list);
        assertThat(list.stdout()).contains("\"lastRevision\" : " + captured).contains("/delta/");

        restoreLatestAndCompare(etcd, store, storeArgs, env, dir, captured);
    }

    private static String[] args(List<String> storeArgs, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(storeArgs);
        return all.toArray(String[]::new);
    }

    /**
     * Restores the latest state in {@code store} through the jar into {@code dir/restored.etcd}
     * and compares it with the source at {@code revision}: revision, keys, values, revisions,
     * versions and leases.
     */
    static void restoreLatestAndCompare(EtcdClusterExtension etcd, String store, Map<String, String> env, Path dir, long revision)
            throws Exception {
        restoreLatestAndCompare(etcd, store, List.of(), env, dir, revision);
    }

    /** As {@link #restoreLatestAndCompare(EtcdClusterExtension, String, Map, Path, long)}, with {@code storeArgs} after {@code --store}. */
    static void restoreLatestAndCompare(EtcdClusterExtension etcd, String store, List<String> storeArgs, Map<String, String> env, Path dir,
                                        long revision) throws Exception {
        assertThat(restoreAndCompare(etcd, store, storeArgs, env, dir)).isEqualTo(revision);
    }

    /**
     * Restores the latest state in {@code store} into {@code dir/restored.etcd}, compares it with
     * the source at the revision the restore reports, and returns that revision.
     */
    static long restoreLatestAndCompare(EtcdClusterExtension etcd, String store, Path dir) throws Exception {
        return restoreAndCompare(etcd, store, List.of(), Map.of(), dir);
    }

    private static long restoreAndCompare(EtcdClusterExtension etcd, String store, List<String> storeArgs, Map<String, String> env, Path dir)
            throws Exception {
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored.etcd");
            List<String> args = new ArrayList<>(List.of("restore", "--store", store, "--data-dir", dataDir.toString()));
            args.addAll(storeArgs);
            args.addAll(restored.restoreFlags());
            AgentProcess.Result result = AgentProcess.run(List.of(), env, etcd.binaries().etcd().getParent(), args.toArray(String[]::new));
            expectSuccess(result);
            java.util.regex.Matcher reported = java.util.regex.Pattern.compile(" revision=(\\d+)").matcher(result.stdout());
            assertThat(reported.find()).as(result.stdout()).isTrue();
            long revision = Long.parseLong(reported.group(1));
            Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.revision()).isEqualTo(revision);
            assertThat(actual.keys()).isEqualTo(Keyspace.read(etcd.client(), revision).keys());
            return revision;
        }
    }

    private static void expectSuccess(AgentProcess.Result result) {
        assertThat(result.exitCode()).as(result.stderr()).isZero();
    }
}
