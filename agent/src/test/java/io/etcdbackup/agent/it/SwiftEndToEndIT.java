package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backup and restore through the CLI with a swift:// store on a real OpenStack Swift with
 * Keystone, installed and started by scripts/swift-aio.sh. If it cannot start, this test fails.
 */
class SwiftEndToEndIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private static void swiftAio(String... args) throws IOException, InterruptedException {
        Path script = TestEtcdBinaries.projectRoot().resolve("scripts/swift-aio.sh");
        List<String> command = new java.util.ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("swift-aio", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = process.waitFor(10, TimeUnit.MINUTES);
        if (!done) {
            process.destroyForcibly();
        }
        assertThat(done && process.exitValue() == 0).as("swift-aio.sh %s:%n%s", String.join(" ", args), Files.readString(log)).isTrue();
    }

    @Test
    void fullAndDeltaSnapshotsListAndRestoreWorkWithASwiftStore() throws Exception {
        swiftAio("install");
        Path swift = dir.resolve("swift");
        Files.createDirectories(swift);
        try {
            swiftAio("start", swift.toString());
            Map<String, String> facts = new HashMap<>();
            for (String line : Files.readAllLines(swift.resolve("facts.env"), StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    facts.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            Map<String, String> env = new HashMap<>();
            facts.forEach((key, value) -> {
                if (key.startsWith("OS_")) {
                    env.put(key, value);
                }
            });
            CliRoundTrip.run(etcd, "swift://" + facts.get("SWIFT_CONTAINER") + "/clusters/one", env, dir);
        } finally {
            swiftAio("stop", swift.toString());
        }
    }
}
