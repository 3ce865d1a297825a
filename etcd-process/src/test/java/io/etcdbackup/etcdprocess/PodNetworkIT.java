package io.etcdbackup.etcdprocess;

import io.etcdbackup.etcdprocess.testing.PodNetwork;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pods on one machine ({@link PodNetwork}): three etcd members, each in its own network namespace
 * with its own address, find each other by the DNS names a headless Service would give them and
 * form one cluster, which the host reaches on the pods' addresses.
 */
class PodNetworkIT {

    @TempDir
    Path dir;

    private final EtcdBinaries binaries = TestEtcdBinaries.get();

    @Test
    void membersInTheirOwnNamespacesFormOneClusterThroughTheirDnsNames() throws Exception {
        List<Process> members = new ArrayList<>();
        try (PodNetwork network = PodNetwork.create(231)) {
            List<PodNetwork.Pod> pods = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pods.add(network.addPod(List.of("etcd-" + i + ".etcd-peer", "etcd-" + i + ".etcd-peer.default.svc")));
            }
            network.writeHosts();
            assertThat(run(pods.get(0).command(List.of("getent", "hosts", "etcd-2.etcd-peer")))).contains(pods.get(2).address());

            String cluster = "etcd-0=http://etcd-0.etcd-peer:2380,etcd-1=http://etcd-1.etcd-peer:2380,etcd-2=http://etcd-2.etcd-peer:2380";
            try {
                for (int i = 0; i < 3; i++) {
                    PodNetwork.Pod pod = pods.get(i);
                    members.add(new ProcessBuilder(pod.command(List.of(binaries.etcd().toString(), "--name", "etcd-" + i,
                            "--data-dir", dir.resolve("etcd-" + i).toString(),
                            "--listen-client-urls", "http://" + pod.address() + ":2379",
                            "--advertise-client-urls", "http://etcd-" + i + ".etcd-peer:2379",
                            "--listen-peer-urls", "http://" + pod.address() + ":2380",
                            "--initial-advertise-peer-urls", "http://etcd-" + i + ".etcd-peer:2380",
                            "--initial-cluster", cluster, "--initial-cluster-token", "pods", "--initial-cluster-state", "new")))
                            .redirectErrorStream(true).redirectOutput(dir.resolve("etcd-" + i + ".log").toFile()).start());
                }
                String endpoint = "http://" + pods.get(1).address() + ":2379";
                String health = "";
                for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < deadline; ) {
                    health = run(List.of(binaries.etcdctl().toString(), "--endpoints", endpoint, "endpoint", "health"));
                    if (health.contains("is healthy")) {
                        break;
                    }
                    Thread.sleep(200); // polling a process's answer: etcdctl has no wait of its own
                }
                assertThat(health).contains("is healthy");
                assertThat(run(List.of(binaries.etcdctl().toString(), "--endpoints", endpoint, "member", "list")))
                        .contains("etcd-0.etcd-peer:2380", "etcd-1.etcd-peer:2380", "etcd-2.etcd-peer:2380");
            } finally {
                for (Process member : members) {
                    member.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return output;
    }
}
