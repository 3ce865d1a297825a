package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code copy} killed (SIGKILL) halfway: while it writes a large object into the target (the
 * large full snapshot, or the delta segment after it). The target then verifies and restores
 * exactly to what it indexed before (the small full snapshot, or the large one), and a rerun
 * copies only what is missing and restores the latest state exactly.
 */
class CopyResumeIT {

    /** 160 MiB of incompressible values. */
    private static final int LARGE_VALUES = 800;

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void aCopyKilledWhileWritingLeavesARestorableTargetAndARerunCopiesOnlyWhatIsMissing() throws Exception {
        Path bin = etcd.binaries().etcd().getParent();
        String source = "file://" + dir.resolve("source");
        Path targetDir = dir.resolve("target");
        String target = "file://" + targetDir;
        new Workload(etcd.client(), 71).run(50, false);
        long small = revisionOf(ok(AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", source)), "revision=");
        // Incompressible values make a full snapshot that takes a while to copy: the window to kill in.
        Workload.putIncompressible(etcd.client(), "/large/", LARGE_VALUES, 7);
        ok(AgentProcess.run(bin, "snapshot", "full", "--endpoints", etcd.endpoints(), "--store", source));
        new Workload(etcd.client(), 72).run(50, false);
        long latest = revisionOf(ok(AgentProcess.run(bin, "snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", source)),
                "up to revision ");

        Process copy = AgentProcess.builder(List.of(), "copy", "--source-store", source, "--store", target,
                "--max-parallel-copy-operations", "1").redirectErrorStream(true).redirectOutput(dir.resolve("copy.log").toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (!writingLargeObject(targetDir)) {
            assertThat(copy.isAlive()).as("copy still running before the large object was seen: %s",
                    Files.exists(dir.resolve("copy.log")) ? Files.readString(dir.resolve("copy.log")) : "").isTrue();
            assertThat(Instant.now()).as("the large full snapshot's upload began").isBefore(deadline);
            Thread.onSpinWait();
        }
        AgentProcess.kill(copy);

        // What the target indexes is complete: it verifies, and restores exactly to a revision before the latest.
        AgentProcess.Result verify = ok(AgentProcess.run(bin, "catalog", "verify", "--store", target));
        assertThat(verify.stdout()).contains("0 failed");
        long halfway = CliRoundTrip.restoreLatestAndCompare(etcd, target, Files.createDirectories(dir.resolve("halfway")));
        assertThat(halfway).as("the copy was cut short").isBetween(small, latest - 1);

        AgentProcess.Result rerun = ok(AgentProcess.run(bin, "copy", "--source-store", source, "--store", target));
        assertThat(rerun.stdout()).containsPattern("copied objects=[12] already_there=0");
        assertThat(CliRoundTrip.restoreLatestAndCompare(etcd, target, Files.createDirectories(dir.resolve("after")))).isEqualTo(latest);
    }

    /** Whether the local store at {@code root} is writing an object of more than a tenth of the large values. */
    private static boolean writingLargeObject(Path root) throws Exception {
        Path incoming = root.resolve(".incoming");
        if (!Files.isDirectory(incoming)) {
            return false;
        }
        try (Stream<Path> parts = Files.list(incoming)) {
            return parts.anyMatch(part -> {
                try {
                    return Files.size(part) > (long) LARGE_VALUES * Workload.INCOMPRESSIBLE_VALUE_BYTES / 10;
                } catch (java.io.IOException gone) {
                    return false;
                }
            });
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
    }

    private static long revisionOf(AgentProcess.Result result, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + "(\\d+)").matcher(result.stdout());
        assertThat(m.find()).as(result.stdout()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static AgentProcess.Result ok(AgentProcess.Result result) {
        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
        return result;
    }
}
