package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.Generation;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.format.SnapshotObjectReader;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * `server` started with the arguments etcd-druid gives the reference's sidecar backs up: a full
 * snapshot and delta segments appear in the Local store that --storage-provider, --store-prefix and
 * STORAGE_CONTAINER name, and a restore through our CLI (with the same reference flags) equals the source.
 */
class DruidArgumentsIT {

    /**
     * Copied verbatim from REFERENCE.md ("The arguments druid gives etcdbrctl server"). {@link #arguments} fills the
     * placeholders, leaves out the bracketed TLS flags and --service-endpoints, and passes the bracketed lease flags as false.
     */
    static final String DRUID_ARGUMENTS = """
            --server-port=8080 [--enable-snapshot-lease-renewal=true --full-snapshot-lease-name=<etcd>-full-snap
            --delta-snapshot-lease-name=<etcd>-delta-snap] --storage-provider=<S3|ABS|GCS|Swift|OSS|Local>
            --store-prefix=<prefix> [--store-endpoint-override=URL] [--schedule=CRON]
            [--delta-snapshot-period=D] [--delta-snapshot-retention-period=D] --delta-snapshot-memory-limit=104857600
            --garbage-collection-policy=LimitBased|Exponential [--max-backups=7] [--garbage-collection-period=D]
            --compress-snapshots=true --compression-policy=gzip --etcd-snapshot-timeout=15m
            [--defragmentation-schedule=CRON] --etcd-defrag-timeout=15m --auto-compaction-mode=periodic
            --auto-compaction-retention=30m --endpoints=<scheme>://<etcd>-local:2379
            [--service-endpoints=<scheme>://<etcd>-client:2379] --insecure-transport=B --insecure-skip-tls-verify=B
            [--cacert= --cert= --key=] [--server-cert= --server-key=] --data-dir=/var/etcd/data/new.etcd
            --restoration-temp-snapshots-dir=/var/etcd/data/restoration.temp --snapstore-temp-directory=/var/etcd/data/temp
            --etcd-connection-timeout=5m --use-etcd-wrapper=true [--enable-member-lease-renewal=true
            --k8s-heartbeat-duration=10s] --embedded-etcd-quota-bytes=8589934592 [--reelection-period=D]""";

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    /**
     * The list above for an etcd "etcd-main" without TLS, backing up to Local. The only changes beyond the placeholders:
     * etcd's address is the test's member, the server port is 0 (any free one), and /var/etcd/data is in the temp dir.
     */
    private List<String> arguments() {
        return druidServerArguments(etcd.endpoints(), dir.resolve("var/etcd/data").toString());
    }

    /**
     * {@code server} and the list above for an etcd "etcd-main" at {@code endpoints} without TLS, backing up to Local,
     * with druid's /var/etcd/data at {@code varEtcdData} and the server port 0 (any free one). Also run by {@link ImageIT}.
     */
    static List<String> druidServerArguments(String endpoints, String varEtcdData) {
        Map<String, String> values = Map.ofEntries(Map.entry("--storage-provider", "Local"), Map.entry("--store-prefix", "etcd-main"),
                Map.entry("--schedule", "0 */24 * * *"), Map.entry("--delta-snapshot-period", "1s"),
                Map.entry("--delta-snapshot-retention-period", "1h0m0s"), Map.entry("--garbage-collection-policy", "LimitBased"),
                Map.entry("--garbage-collection-period", "1m0s"), Map.entry("--defragmentation-schedule", "0 0 */3 * *"),
                Map.entry("--reelection-period", "1s"), Map.entry("--insecure-transport", "true"),
                Map.entry("--insecure-skip-tls-verify", "true"), Map.entry("--enable-snapshot-lease-renewal", "false"),
                Map.entry("--enable-member-lease-renewal", "false"), Map.entry("--endpoints", endpoints),
                Map.entry("--server-port", "0"));
        List<String> leftOut = List.of("--store-endpoint-override", "--service-endpoints", "--cacert", "--cert", "--key",
                "--server-cert", "--server-key");
        List<String> args = new ArrayList<>(List.of("server"));
        for (String token : DRUID_ARGUMENTS.replace("[", " ").replace("]", " ").strip().split("\\s+")) {
            String name = token.substring(0, token.indexOf('='));
            if (leftOut.contains(name)) {
                continue;
            }
            String value = values.getOrDefault(name, token.substring(token.indexOf('=') + 1)).replace("<etcd>", "etcd-main");
            args.add(name + "=" + value.replace("/var/etcd/data", varEtcdData));
        }
        return args;
    }

    private Map<String, String> podEnvironment() {
        // As in druid's pods: HOME is the user's home (/home/nonroot there), STORAGE_CONTAINER the bucket, a folder in it for Local.
        return Map.of("HOME", dir.toString(), "STORAGE_CONTAINER", "etcd-backups",
                "PATH", etcd.binaries().etcd().getParent() + ":" + System.getenv("PATH"));
    }

    private static Optional<Generation> latest(Path storeDir) throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
            return new Catalog(store).latest();
        }
    }

    @Test
    void theServerStartedWithDruidsArgumentsBacksUpAndOurRestoreOfItEqualsTheSource() throws Exception {
        Path storeDir = dir.resolve("etcd-backups").resolve("etcd-main"); // $HOME/$STORAGE_CONTAINER/--store-prefix
        Client source = etcd.client();
        new Workload(source, 1).run(100);

        List<String> args = arguments();
        assertThat(args).contains("--storage-provider=Local", "--compression-policy=gzip", "--use-etcd-wrapper=true")
                .noneMatch(a -> a.startsWith("--service-endpoints") || a.startsWith("--store="));
        Path serverLog = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), args.toArray(String[]::new));
        builder.environment().putAll(podEnvironment());
        builder.redirectErrorStream(true).redirectOutput(serverLog.toFile());
        Process server = builder.start();
        long captured;
        try {
            AgentProcess.awaitHttpPort(serverLog, server);
            Workload workload = new Workload(source, 2);
            Generation chain = null;
            for (int round = 1; round <= 2; round++) { // each round's writes are published in a delta segment of their own
                workload.run(150, false);
                long written = Keyspace.read(source, 0).revision();
                int segments = round;
                chain = await("a full snapshot and " + segments + " delta segments up to revision " + written, Duration.ofSeconds(60),
                        () -> latest(storeDir), g -> g.isPresent() && g.get().lastRevision() >= written
                                && g.get().deltas().size() >= segments).orElseThrow();
            }
            assertThat(chain.fulls()).isNotEmpty();
            try (ObjectStore store = LocalStoreProvider.at(storeDir)) {
                assertThat(SnapshotObjectReader.readHeader(store, chain.fulls().get(0).key()).codec()).isEqualTo(Codec.GZIP);
                assertThat(SnapshotObjectReader.readHeader(store, chain.deltas().get(0).key()).codec()).isEqualTo(Codec.GZIP);
            }
            captured = chain.lastRevision();
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
        String log = Files.readString(serverLog);
        assertThat(server.exitValue()).as(log).isZero();
        for (String flag : List.of("--use-etcd-wrapper", "--embedded-etcd-quota-bytes", "--auto-compaction-mode", "--etcd-snapshot-timeout",
                "--etcd-connection-timeout", "--snapstore-temp-directory")) {
            assertThat(log).as(flag).containsOnlyOnce("reference flag accepted without effect flag=" + flag + " ");
        }
        assertThat(log).contains("server started store=file://" + storeDir);

        long last = latest(storeDir).orElseThrow().lastRevision();
        Keyspace expected = Keyspace.read(source, last);
        assertThat(last).isGreaterThanOrEqualTo(captured);
        try (RestoredEtcd restored = new RestoredEtcd()) {
            Path dataDir = dir.resolve("restored.etcd");
            List<String> restore = new ArrayList<>(Arrays.asList("restore", "--storage-provider=Local", "--store-prefix=etcd-main",
                    "--data-dir=" + dataDir, "--restoration-temp-snapshots-dir=" + dir.resolve("restoration.temp")));
            restore.addAll(restored.restoreFlags());
            AgentProcess.Result result = AgentProcess.run(List.of(), podEnvironment(), etcd.binaries().etcd().getParent(),
                    restore.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).contains("revision=" + last);
            Keyspace actual = Keyspace.read(restored.start(etcd.binaries(), dataDir), 0);
            assertThat(actual.revision()).isEqualTo(last);
            assertThat(actual.keys()).isEqualTo(expected.keys());
        }
    }
}
