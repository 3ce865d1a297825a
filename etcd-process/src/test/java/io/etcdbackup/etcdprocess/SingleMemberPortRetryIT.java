package io.etcdbackup.etcdprocess;

import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A scratch etcd's ports are chosen free but bound seconds later; when another process took one
 * meanwhile, the member is prepared and started again on other ports. Real etcd, a real taken port.
 */
class SingleMemberPortRetryIT {

    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(60);
    private static final List<String> FLAGS = List.of("--heartbeat-interval=10", "--election-timeout=100");

    @TempDir
    Path dir;

    /** The prepared specs. */
    private final List<EtcdProcess.Spec> prepared = new ArrayList<>();

    /** Creates the data dir, as a snapshot restore would, after checking that no attempt left one. */
    private void prepare(EtcdProcess.Spec spec) throws IOException {
        assertThat(spec.dataDir()).as("a retry starts from scratch").doesNotExist();
        Files.createDirectories(spec.dataDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        prepared.add(spec);
    }

    /** The first attempt gets {@code first}; later ones get fresh free ports. */
    private static Supplier<int[]> firstThenFree(int[] first) {
        List<int[]> given = new ArrayList<>();
        return () -> {
            int[] ports = given.isEmpty() ? first : EtcdProcess.freePorts(2);
            given.add(ports);
            return ports;
        };
    }

    @Test
    void aTakenClientPortIsRetriedOnOtherPortsFromAnEmptyDataDir() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int[] first = {taken.getLocalPort(), EtcdProcess.freePort()};
            Path dataDir = dir.resolve("scratch.etcd");

            try (EtcdProcess etcd = EtcdProcess.startSingleMember(TestEtcdBinaries.get(), "scratch", dataDir, FLAGS, Map.of(),
                    HEALTHY_WITHIN, this::prepare, firstThenFree(first))) {
                assertThat(prepared).hasSize(2);
                assertThat(prepared.get(0).clientPort()).isEqualTo(taken.getLocalPort());
                assertThat(etcd.spec()).isEqualTo(prepared.get(1));
                assertThat(etcd.clientUrl().getPort()).isNotEqualTo(taken.getLocalPort());
                assertThat(Files.readString(etcd.spec().logFile())).as("the failed attempt's log is gone")
                        .doesNotContain("address already in use");
            }
        }
    }

    @Test
    void aPortTakenOnEveryAttemptFailsAfterThreeNamingTheCause() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Supplier<int[]> alwaysTaken = () -> new int[] {EtcdProcess.freePort(), taken.getLocalPort()};

            assertThatThrownBy(() -> EtcdProcess.startSingleMember(TestEtcdBinaries.get(), "scratch", dir.resolve("scratch.etcd"),
                    FLAGS, Map.of(), HEALTHY_WITHIN, this::prepare, alwaysTaken))
                    .isInstanceOf(IOException.class).hasMessageContaining("address already in use");
            assertThat(prepared).hasSize(EtcdProcess.SINGLE_MEMBER_ATTEMPTS);
        }
    }

    @Test
    void anyOtherStartFailureIsNotRetried() {
        List<String> badFlags = List.of("--no-such-flag=1");

        assertThatThrownBy(() -> EtcdProcess.startSingleMember(TestEtcdBinaries.get(), "scratch", dir.resolve("scratch.etcd"),
                badFlags, HEALTHY_WITHIN, this::prepare))
                .isInstanceOf(IOException.class).hasMessageContaining("exited");
        assertThat(prepared).hasSize(1);
    }
}
