package io.etcdbackup.agent.it;

import io.etcd.jetcd.Client;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.etcdprocess.EtcdProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Starts etcd on a restored data directory (restored as member "restored" with a loopback peer port). */
final class RestoredEtcd implements AutoCloseable {

    private final int[] ports = EtcdProcess.freePorts(2);
    final int peerPort = ports[1];
    private EtcdProcess process;
    private Client client;

    String peerUrl() {
        return EtcdProcess.peerUrl(peerPort);
    }

    /** The restore flags that make the data dir startable here. */
    List<String> restoreFlags() {
        return List.of("--name", "restored", "--initial-cluster", "restored=" + peerUrl(), "--initial-advertise-peer-urls", peerUrl(),
                "--initial-cluster-token", "restored-cluster");
    }

    Client start(EtcdBinaries binaries, Path dataDir) throws IOException {
        process = EtcdProcess.start(new EtcdProcess.Spec(binaries, "restored", dataDir, ports[0], peerPort,
                "restored=" + peerUrl(), "new", "restored-cluster", List.of("--heartbeat-interval=10", "--election-timeout=100"),
                dataDir.resolveSibling("restored-etcd.log")));
        process.awaitHealthy(Duration.ofSeconds(60));
        client = Client.builder().endpoints(process.clientUrl().toString()).build();
        return client;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        if (process != null) {
            process.kill();
        }
    }
}
