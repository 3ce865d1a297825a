package io.etcdbackup.agent.it;

import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.testing.DeltaSegments;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `catalog verify --restore` through the jar: a correct backup passes the restore drill with the
 * live cluster's own hash; a delta segment altered behind a valid checksum passes every checksum
 * but fails the drill, naming both hashes; a backup the live cluster has compacted past is
 * inconclusive (exit code 3), and so is a base made by {@code compact} until the live cluster
 * compacts as far.
 */
class RestoreDrillCommandIT {

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    private AgentProcess.Result run(String... args) throws Exception {
        return AgentProcess.run(etcd.binaries().etcd().getParent(), args);
    }

    private long liveHash(long revision) throws Exception {
        return Integer.toUnsignedLong(etcd.client().getMaintenanceClient().hashKV(etcd.clientUrls().get(0).toString(), revision)
                .get().getHash());
    }

    @Test
    void aCorrectBackupPassesTheDrillAndOneAlteredBehindItsChecksumFailsItNamingBothHashes() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        new Workload(etcd.client(), 61).run(80, false);
        assertThat(run("snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store).exitCode()).isZero();
        long captured = 0;
        for (int round = 0; round < 2; round++) {
            new Workload(etcd.client(), 62 + round).run(80, false);
            AgentProcess.Result delta = run("snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store);
            assertThat(delta.exitCode()).as(delta.stderr()).isZero();
            Matcher up = Pattern.compile("up to revision (\\d+)").matcher(delta.stdout());
            assertThat(up.find()).as(delta.stdout()).isTrue();
            captured = Long.parseLong(up.group(1));
        }
        long live = liveHash(captured);

        AgentProcess.Result passed = run("catalog", "verify", "--store", store, "--latest-only", "--restore",
                "--endpoints", etcd.endpoints(), "--scratch-dir", dir.resolve("scratch").toString());
        assertThat(passed.exitCode()).as(passed.stderr()).isZero();
        assertThat(passed.stdout()).contains("restore drill: PASSED", "revision=" + captured, "hash=" + live);

        alterOneValue(storeDir);
        AgentProcess.Result checksums = run("catalog", "verify", "--store", store);
        assertThat(checksums.exitCode()).as("every checksum still holds: %s", checksums.stdout()).isZero();
        AgentProcess.Result failed = run("catalog", "verify", "--store", store, "--restore", "--endpoints", etcd.endpoints());
        assertThat(failed.exitCode()).as(failed.stdout()).isEqualTo(1);
        Matcher mismatch = Pattern.compile("error: restore drill mismatch .*live cluster HashKV (\\d+) at revision (\\d+), "
                + "restored backup HashKV (\\d+) at revision (\\d+)").matcher(failed.stderr());
        assertThat(mismatch.find()).as(failed.stderr()).isTrue();
        assertThat(Long.parseLong(mismatch.group(1))).isEqualTo(live);
        assertThat(Long.parseLong(mismatch.group(2))).isEqualTo(captured);
        assertThat(Long.parseLong(mismatch.group(3))).isNotEqualTo(live);
        assertThat(Long.parseLong(mismatch.group(4))).isEqualTo(captured);

        // The live cluster compacts past the backup: nothing to compare at its revision.
        new Workload(etcd.client(), 70).run(10, false);
        etcd.client().getKVClient().compact(etcd.client().getKVClient().get(Workload.bytes("/")).get().getHeader().getRevision()).get();
        AgentProcess.Result inconclusive = run("catalog", "verify", "--store", store, "--restore", "--endpoints", etcd.endpoints());
        assertThat(inconclusive.exitCode()).as(inconclusive.stderr()).isEqualTo(3);
        assertThat(inconclusive.stdout()).contains("restore drill: INCONCLUSIVE", "has compacted revision " + captured);
    }

    @Test
    void aBaseMadeByCompactIsInconclusiveUntilTheLiveClusterCompactsPastItAndThenPasses() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        new Workload(etcd.client(), 71).run(60, false);
        assertThat(run("snapshot", "full", "--endpoints", etcd.endpoints(), "--store", store).exitCode()).isZero();
        new Workload(etcd.client(), 72).run(60, false);
        assertThat(run("snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store).exitCode()).isZero();
        AgentProcess.Result compact = run("compact", "--store", store);
        assertThat(compact.exitCode()).as(compact.stderr()).isZero();
        Matcher folded = Pattern.compile("revision=(\\d+)").matcher(compact.stdout());
        assertThat(folded.find()).as(compact.stdout()).isTrue();
        long base = Long.parseLong(folded.group(1));
        new Workload(etcd.client(), 73).run(30, false);
        assertThat(run("snapshot", "delta", "--endpoints", etcd.endpoints(), "--store", store).exitCode()).isZero();

        AgentProcess.Result early = run("catalog", "verify", "--store", store, "--restore", "--endpoints", etcd.endpoints());
        assertThat(early.exitCode()).as(early.stdout() + early.stderr()).isEqualTo(3);
        assertThat(early.stdout()).contains("restore drill: INCONCLUSIVE", "compacted at revision " + base, "the live cluster never");

        etcd.client().getKVClient().compact(base).get(); // as kube-apiserver would, at a revision long captured
        AgentProcess.Result later = run("catalog", "verify", "--store", store, "--restore", "--endpoints", etcd.endpoints());
        assertThat(later.exitCode()).as(later.stdout() + later.stderr()).isZero();
        assertThat(later.stdout()).contains("restore drill: PASSED", "compact_revision=" + base);
    }

    /** Rewrites the first delta segment with one PUT's value changed, through the real format writer. */
    private static void alterOneValue(Path storeDir) throws Exception {
        try (ObjectStore objects = LocalStoreProvider.at(storeDir)) {
            DeltaSegmentRef segment = new Catalog(objects).latest().orElseThrow().deltas().get(0);
            DeltaSegments.alterFirstPutValue(objects, segment, "tampered");
        }
    }
}
