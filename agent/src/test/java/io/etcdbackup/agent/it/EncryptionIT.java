package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encrypted backups through the real jar and a real etcd, in a local store: a round trip across a
 * key rotation with encryption turned on mid-chain, and the three ways reading can fail (no key
 * set, a key set without the object's key, a changed byte), each with its own error.
 */
class EncryptionIT {

    /** A key and value the tests write and then look for, in the clear, in the store's files. */
    static final String SECRET_KEY = "/registry/secrets/default/database-password";
    static final String SECRET_VALUE = "correct-horse-battery-staple-6c1f";

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void encryptedBackupsMergeCompactAndRestoreExactlyAcrossAKeyRotationAndAfterEncryptionWasTurnedOnMidChain() throws Exception {
        String store = "file://" + dir.resolve("store");
        Path keys = dir.resolve("keys.json");
        new Workload(etcd.client(), 31).run(100, false);
        ok(agent("snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store)); // in the clear
        long firstKey = generate(keys);
        etcd.client().getKVClient().put(Workload.bytes(SECRET_KEY), Workload.bytes(SECRET_VALUE)).get();
        new Workload(etcd.client(), 32).run(100, false);
        ok(agent("snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store, "--encryption-key-file", keys.toString()));
        long secondKey = generate(keys); // rotation
        new Workload(etcd.client(), 33).run(100, false);
        AgentProcess.Result last = ok(agent("snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store,
                "--encryption-key-file", keys.toString()));
        Matcher up = Pattern.compile("up to revision (\\d+)").matcher(last.stdout());
        assertThat(up.find()).as(last.stdout()).isTrue();

        assertThat(secondKey).isNotEqualTo(firstKey);
        assertNoPlaintext(dir.resolve("store"));
        // Merging reads segments of both keys and writes with the newest; compaction folds the clear base and them into an encrypted base.
        AgentProcess.Result merge = ok(agent("merge", "--store", store, "--encryption-key-file", keys.toString(), "--min-age", "0s",
                "--fan-in", "2"));
        assertThat(merge.stdout()).contains("merge: 1 merged segments");
        AgentProcess.Result compact = ok(agent("compact", "--store", store, "--encryption-key-file", keys.toString()));
        assertThat(compact.stdout()).contains("compacted ", "revision=" + up.group(1));
        assertNoPlaintext(dir.resolve("store"));
        AgentProcess.Result verify = ok(agent("catalog", "verify", "--store", store, "--encryption-key-file", keys.toString()));
        assertThat(verify.stdout()).contains("0 failed");
        CliRoundTrip.restoreLatestAndCompare(etcd, store, List.of("--encryption-key-file", keys.toString()), java.util.Map.of(), dir,
                Long.parseLong(up.group(1)));
    }

    @Test
    void noKeySetAKeySetWithoutTheObjectsKeyAndAChangedByteEachFailWithTheirOwnError() throws Exception {
        String store = "file://" + dir.resolve("store");
        Path keys = dir.resolve("keys.json");
        long key = generate(keys);
        new Workload(etcd.client(), 41).run(100, false);
        ok(agent("snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store, "--encryption-key-file", keys.toString()));
        Path other = dir.resolve("other.json");
        generate(other);

        AgentProcess.Result withoutKeys = agent("restore", "--store", store, "--data-dir", dir.resolve("a.etcd").toString());
        AgentProcess.Result otherKeys = agent("restore", "--store", store, "--data-dir", dir.resolve("b.etcd").toString(),
                "--encryption-key-file", other.toString());

        assertThat(withoutKeys.exitCode()).isNotZero();
        assertThat(withoutKeys.stderr()).contains("is encrypted with key " + key + ": no encryption key set was given");
        assertThat(otherKeys.exitCode()).isNotZero();
        assertThat(otherKeys.stderr()).contains("is encrypted with key " + key + ": the key set " + other + " does not hold it");
        assertThat(dir.resolve("a.etcd")).doesNotExist();

        Path full;
        try (Stream<Path> files = Files.walk(dir.resolve("store"))) {
            full = files.filter(f -> f.toString().contains("/full/")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(full);
        bytes[bytes.length / 2] ^= 0x20;
        Files.write(full, bytes);
        AgentProcess.Result verify = agent("catalog", "verify", "--store", store, "--encryption-key-file", keys.toString());
        AgentProcess.Result restore = agent("restore", "--store", store, "--data-dir", dir.resolve("c.etcd").toString(),
                "--encryption-key-file", keys.toString());

        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.stdout()).contains("FAILED").contains("authentication failed");
        assertThat(restore.exitCode()).isNotZero();
        assertThat(restore.stderr()).contains("authentication failed");
        assertThat(dir.resolve("c.etcd")).doesNotExist();
    }

    @Test
    void theSidecarEncryptsWhatItBacksUpAndItRestoresExactly() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path keys = dir.resolve("keys.json");
        generate(keys);
        etcd.client().getKVClient().put(Workload.bytes(SECRET_KEY), Workload.bytes(SECRET_VALUE)).get();
        Path serverLog = dir.resolve("server.log");
        Process server = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(), "--store", store,
                "--encryption-key-file", keys.toString(), "--delta-period", "200ms", "--gc-period", "0s")
                .redirectErrorStream(true).redirectOutput(serverLog.toFile()).start();
        long captured;
        try {
            AgentProcess.awaitHttpPort(serverLog, server);
            new Workload(etcd.client(), 51).run(150, false);
            captured = Keyspace.read(etcd.client(), 0).revision();
            BackupAndRestoreIT.awaitCaptured(storeDir, captured);
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }

        assertNoPlaintext(storeDir);
        CliRoundTrip.restoreLatestAndCompare(etcd, store, List.of("--encryption-key-file", keys.toString()), java.util.Map.of(), dir, captured);
    }

    /** No file under {@code root} holds {@link #SECRET_VALUE} in the clear. */
    static void assertNoPlaintext(Path root) throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        assertThat(files).isNotEmpty().allSatisfy(file -> assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                .as("%s", file).doesNotContain(SECRET_VALUE));
    }

    private long generate(Path keys) throws Exception {
        AgentProcess.Result result = ok(agent("key", "generate", "--encryption-key-file", keys.toString()));
        Matcher id = Pattern.compile("encrypting_key=(\\d+)").matcher(result.stdout());
        assertThat(id.find()).as(result.stdout()).isTrue();
        return Long.parseLong(id.group(1));
    }

    private AgentProcess.Result agent(String... args) throws Exception {
        return AgentProcess.run(etcd.binaries().etcd().getParent(), args);
    }

    private static AgentProcess.Result ok(AgentProcess.Result result) {
        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
        return result;
    }
}
