package io.etcdbackup.restore.bolt;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.etcdprocess.testing.TestEtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reader against etcd itself: a snapshot of a real member, with branch and overflow pages,
 * overwrites, deletes, a lease and a compaction, rebuilds at each revision since the compaction
 * exactly what etcd serves at that revision.
 */
class EtcdBackendFileIT {

    private static final int KEYS = 3000;
    private static final int BIG = 20 << 10;

    @TempDir
    Path dir;

    /** What etcd keeps of a key at a revision. */
    record Held(ByteString value, long createRevision, long modRevision, long version, long lease) {
    }

    @Test
    void theStateRebuiltFromTheRecordsIsWhatEtcdServesAtEachRevisionSinceTheCompaction() throws Exception {
        Path snapshot = dir.resolve("snapshot.db");
        try (EtcdProcess etcd = EtcdProcess.startSingleMember(TestEtcdBinaries.get(), "bolt", dir.resolve("bolt.etcd"),
                List.of(), Duration.ofSeconds(60), spec -> { });
             Client client = Client.builder().endpoints(etcd.clientUrl().toString()).build()) {
            KV kv = client.getKVClient();
            // Compacted away: thousands of keys in transactions of 100 (sub revisions), big values,
            // overwrites, a range delete, single deletes, a key on a lease.
            for (int t = 0; t < KEYS / 100; t++) {
                List<Op> puts = new ArrayList<>();
                for (int i = t * 100; i < (t + 1) * 100; i++) {
                    puts.add(Op.put(key(i), text("v0-" + i), PutOption.DEFAULT));
                }
                kv.txn().Then(puts.toArray(Op[]::new)).commit().get();
            }
            for (int i = 0; i < 12; i++) {
                kv.put(key(i), big('a' + i)).get();
            }
            kv.delete(key(100), DeleteOption.builder().withRange(key(200)).build()).get();
            for (int i = 0; i < 150; i++) {
                kv.put(key(300 + 3 * i), text("v1-" + i)).get();
            }
            long leaseId = client.getLeaseClient().grant(3600).get().getID();
            kv.put(text("/bolt/leased"), text("on a lease"), PutOption.builder().withLeaseId(leaseId).build()).get();
            long compactAt = 0;
            for (int i = 0; i < 10; i++) {
                compactAt = kv.delete(key(500 + i)).get().getHeader().getRevision();
            }
            // Kept: history after the compaction revision.
            for (int i = 0; i < 100; i++) {
                kv.put(key(1000 + i), text("v2-" + i)).get();
            }
            for (int i = 0; i < 5; i++) {
                kv.put(key(i), big('p' + i)).get();
            }
            for (int i = 100; i < 110; i++) {
                kv.put(key(i), text("again-" + i)).get();
            }
            kv.delete(key(2000), DeleteOption.builder().withRange(key(2100)).build()).get();
            kv.txn().Then(Op.put(key(2500), text("in a txn"), PutOption.DEFAULT), Op.delete(key(2501), DeleteOption.DEFAULT),
                    Op.put(key(2502), big('t'), PutOption.DEFAULT)).commit().get();
            kv.compact(compactAt, CompactOption.builder().withCompactPhysical(true).build()).get();
            for (int i = 0; i < 50; i++) {
                kv.put(key(2900 + i), text("v3-" + i)).get();
            }
            kv.delete(text("/bolt/leased")).get();
            long latest = kv.put(key(7), text("last")).get().getHeader().getRevision();

            try (OutputStream out = Files.newOutputStream(snapshot)) {
                client.getMaintenanceClient().snapshot(out).get();
            }

            List<RevisionRecord> records = new ArrayList<>();
            try (EtcdBackendFile backend = EtcdBackendFile.open(snapshot)) {
                assertThat(backend.compactedRevision()).isEqualTo(compactAt);
                assertThat(backend.leaseTtls()).containsEntry(leaseId, 3600L);
                backend.forEachRevision(records::add);
                assertThat(records).isSortedAccordingTo((a, b) -> a.mainRevision() != b.mainRevision()
                        ? Long.compare(a.mainRevision(), b.mainRevision()) : Long.compare(a.subRevision(), b.subRevision()));
                assertThat(records).filteredOn(RevisionRecord::tombstone).isNotEmpty();
                assertThat(records).filteredOn(r -> r.valueLength() > BIG).isNotEmpty();

                TreeSet<Long> revisions = new TreeSet<>(List.of(compactAt, compactAt + 1, latest - 1, latest));
                for (long r = compactAt; r <= latest; r += Math.max(1, (latest - compactAt) / 12)) {
                    revisions.add(r);
                }
                for (long revision : revisions) {
                    assertThat(rebuild(backend, records, revision)).as("revision %d", revision)
                            .isEqualTo(etcdAt(kv, revision));
                }
            }
        }

        try (BoltFile bolt = BoltFile.open(snapshot)) {
            int pageSize = bolt.meta().pageSize();
            assertThat(Files.size(snapshot) % pageSize).as("the snapshot's SHA-256 trailer").isEqualTo(32);
            assertThat(bolt.page(bolt.bucket("key").orElseThrow().rootPage()).isBranch()).as("the key bucket's root").isTrue();
        }
        assertThat(records(withPageZeroDamaged(snapshot))).as("read through page 1's meta").isEqualTo(records(snapshot));
    }

    /** The keyspace at {@code revision}: each key's latest record up to it, unless that is a tombstone. */
    private static Map<String, Held> rebuild(EtcdBackendFile backend, List<RevisionRecord> records, long revision) throws Exception {
        Map<ByteString, RevisionRecord> latest = new HashMap<>();
        for (RevisionRecord record : records) {
            if (record.mainRevision() > revision) {
                break;
            }
            if (record.tombstone()) {
                latest.remove(record.key());
            } else {
                latest.put(record.key(), record);
            }
        }
        Map<String, Held> keys = new TreeMap<>();
        for (RevisionRecord record : latest.values()) {
            io.etcd.jetcd.api.KeyValue kv = backend.read(record);
            assertThat(kv.getKey()).isEqualTo(record.key());
            assertThat(kv.getModRevision()).isEqualTo(record.mainRevision());
            keys.put(kv.getKey().toStringUtf8(), new Held(kv.getValue(), kv.getCreateRevision(), kv.getModRevision(),
                    kv.getVersion(), kv.getLease()));
        }
        return keys;
    }

    private static Map<String, Held> etcdAt(KV kv, long revision) throws Exception {
        ByteSequence all = ByteSequence.from(new byte[] {0});
        Map<String, Held> keys = new TreeMap<>();
        for (io.etcd.jetcd.KeyValue held : kv.get(all, GetOption.builder().withRange(all).withRevision(revision).build()).get().getKvs()) {
            keys.put(held.getKey().toString(StandardCharsets.UTF_8), new Held(ByteString.copyFrom(held.getValue().getBytes()),
                    held.getCreateRevision(), held.getModRevision(), held.getVersion(), held.getLease()));
        }
        return keys;
    }

    private static List<RevisionRecord> records(Path file) throws Exception {
        List<RevisionRecord> records = new ArrayList<>();
        try (EtcdBackendFile backend = EtcdBackendFile.open(file)) {
            backend.forEachRevision(records::add);
        }
        return records;
    }

    /** A copy whose page 0 meta fails its checksum, as after a torn write. */
    private Path withPageZeroDamaged(Path snapshot) throws Exception {
        Path copy = Files.copy(snapshot, dir.resolve("damaged.db"));
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer txid = ByteBuffer.allocate(1);
            long at = BoltMeta.OFFSET + 48;
            channel.read(txid, at);
            channel.write(ByteBuffer.wrap(new byte[] {(byte) (txid.get(0) ^ 1)}), at);
        }
        try (BoltFile bolt = BoltFile.open(copy)) {
            assertThat(BoltMeta.decode(bolt.read(0, BoltMeta.OFFSET + BoltMeta.SIZE)).valid()).isFalse();
        }
        return copy;
    }

    private static ByteSequence key(int i) {
        return text(String.format("/bolt/k%05d", i));
    }

    private static ByteSequence big(int fill) {
        byte[] value = new byte[BIG];
        java.util.Arrays.fill(value, (byte) fill);
        return ByteSequence.from(value);
    }

    private static ByteSequence text(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
