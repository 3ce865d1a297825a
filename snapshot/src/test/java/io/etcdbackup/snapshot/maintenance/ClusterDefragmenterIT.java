package io.etcdbackup.snapshot.maintenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import io.etcdbackup.etcdprocess.EtcdProcess;
import io.etcdbackup.snapshot.maintenance.MemberDefrag.Outcome;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Defragments a real three-member cluster whose databases hold a lot of free space (written,
 * deleted and compacted), and checks the order with etcd's own logs.
 */
class ClusterDefragmenterIT {

    @RegisterExtension
    static final EtcdClusterExtension etcd = EtcdClusterExtension.members(3);

    private static final int BULK_KEYS = 120;
    private static final int BULK_VALUE_BYTES = 100 * 1024;
    private static final long BULK_BYTES = (long) BULK_KEYS * BULK_VALUE_BYTES;

    @Test
    void defragmentsFollowersFirstThenTheLeaderAndGivesTheSpaceBack() throws Exception {
        KV kv = etcd.client().getKVClient();
        for (int i = 0; i < 5; i++) {
            kv.put(bytes("/keep/" + i), bytes("value " + i)).get(30, TimeUnit.SECONDS);
        }
        byte[] big = new byte[BULK_VALUE_BYTES];
        java.util.Arrays.fill(big, (byte) 'x');
        for (int i = 0; i < BULK_KEYS; i++) {
            kv.put(bytes("/bulk/" + i), ByteSequence.from(big)).get(30, TimeUnit.SECONDS);
        }
        long deletedAt = kv.delete(bytes("/bulk/"), DeleteOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS)
                .getHeader().getRevision();
        kv.compact(deletedAt, CompactOption.builder().withCompactPhysical(true).build()).get(60, TimeUnit.SECONDS);
        awaitCompactedEverywhere();

        // Make m0 lead: by name it would come first, so "leader last" is not an accident of naming.
        Map<URI, StatusResponse> before = makeLeader(etcd.member(0));
        long leaderId = before.get(etcd.member(0).clientUrl()).getHeader().getMemberId();
        assertThat(before.values()).allSatisfy(s -> assertThat(s.getDbSize()).isGreaterThan(BULK_BYTES));

        DefragReport report = new ClusterDefragmenter(etcd.clients(), Duration.ofMinutes(2), Clock.systemUTC()).defragment();

        assertThat(report.succeeded()).as("report %s", report).isTrue();
        assertThat(report.members()).hasSize(3);
        assertThat(report.members()).extracting(MemberDefrag::role)
                .containsExactly(MemberRole.FOLLOWER, MemberRole.FOLLOWER, MemberRole.LEADER);
        MemberDefrag leader = report.members().get(2);
        assertThat(leader.id()).isEqualTo(leaderId);
        assertThat(report.members()).extracting(MemberDefrag::name).containsExactly("m1", "m2", "m0");
        for (MemberDefrag member : report.members()) {
            assertThat(member.outcome()).isEqualTo(Outcome.DEFRAGMENTED);
            // Nearly all of the bulk data was free space; defragmenting gives most of it back.
            assertThat(member.sizeBefore() - member.sizeAfter()).as("reclaimed on %s", member.name()).isGreaterThan(BULK_BYTES / 2);
            // The member itself reports the smaller file too, not just our record.
            assertThat(statusOf(member.endpoint().orElseThrow()).getDbSize()).isLessThan(member.sizeBefore() - BULK_BYTES / 2);
        }
        assertThat(report.members().get(0).startedAt()).isBeforeOrEqualTo(report.members().get(1).startedAt());
        assertThat(report.members().get(1).startedAt().plus(report.members().get(1).duration())).isBeforeOrEqualTo(leader.startedAt());

        // etcd's own logs agree: the leader started defragmenting only after both followers finished.
        Instant leaderStarted = logTime(leader.name(), "starting defragment");
        for (MemberDefrag follower : report.members().subList(0, 2)) {
            assertThat(logTime(follower.name(), "finished defragment")).isBeforeOrEqualTo(leaderStarted);
        }

        // Still one healthy cluster with the same data.
        awaitOneLeader(); // defragmenting the leader blocks its raft loop and may cost an election
        for (URI endpoint : etcd.clientUrls()) {
            try (Client local = new EtcdClients(EtcdConnection.plain(List.of(endpoint))).newLocalClient()) {
                GetResponse kept = local.getKVClient().get(bytes("/keep/"), GetOption.builder().isPrefix(true)
                        .withSerializable(true).build()).get(30, TimeUnit.SECONDS);
                assertThat(kept.getKvs()).extracting(k -> k.getValue().toString(StandardCharsets.UTF_8))
                        .containsExactlyInAnyOrder("value 0", "value 1", "value 2", "value 3", "value 4");
                assertThat(local.getKVClient().get(bytes("/bulk/"), GetOption.builder().isPrefix(true).withCountOnly(true)
                        .withSerializable(true).build()).get(30, TimeUnit.SECONDS).getCount()).isZero();
            }
        }
        kv.put(bytes("/keep/after"), bytes("writes still work")).get(30, TimeUnit.SECONDS);
    }

    /**
     * Moves the leadership to {@code member} (if it does not lead yet); returns the statuses in
     * which every member named it leader.
     */
    private static Map<URI, StatusResponse> makeLeader(EtcdProcess member) throws Exception {
        StatusResponse own = statusOf(member.clientUrl());
        long id = own.getHeader().getMemberId();
        if (own.getLeader() != id) {
            URI leaderUrl = etcd.clientUrls().stream().filter(u -> {
                try {
                    StatusResponse s = statusOf(u);
                    return s.getHeader().getMemberId() == s.getLeader();
                } catch (Exception e) {
                    return false;
                }
            }).findFirst().orElseThrow();
            try (Client leader = new EtcdClients(EtcdConnection.plain(List.of(leaderUrl))).newLocalClient()) {
                leader.getMaintenanceClient().moveLeader(id).get(30, TimeUnit.SECONDS);
            }
        }
        return await("leadership moved to " + member.spec().name(), Duration.ofSeconds(60), ClusterDefragmenterIT::statuses,
                statuses -> statuses.values().stream().allMatch(s -> s.getLeader() == id));
    }

    /** Waits until every member names the same leader. */
    private static void awaitOneLeader() throws Exception {
        await("members agree on one leader", Duration.ofSeconds(60),
                () -> statuses().values().stream().map(StatusResponse::getLeader).distinct().toList(),
                leaders -> leaders.size() == 1 && leaders.get(0) != 0);
    }

    /**
     * Compaction is applied by each member on its own; wait until all have freed the bulk data.
     * bbolt counts freed pages as free only after a later write transaction commits, hence the
     * small writes.
     */
    private static void awaitCompactedEverywhere() throws Exception {
        await("compaction to free the bulk data on every member", Duration.ofSeconds(120), () -> {
            etcd.client().getKVClient().put(bytes("/tick"), bytes(Long.toString(System.nanoTime()))).get(30, TimeUnit.SECONDS);
            return sizes(statuses());
        }, sizes -> sizes.stream().allMatch(s -> s.db() - s.inUse() > BULK_BYTES / 2));
    }

    private static Map<URI, StatusResponse> statuses() throws Exception {
        Map<URI, StatusResponse> statuses = new HashMap<>();
        for (URI endpoint : etcd.clientUrls()) {
            statuses.put(endpoint, statusOf(endpoint));
        }
        return statuses;
    }

    private static StatusResponse statusOf(URI endpoint) throws Exception {
        return etcd.client().getMaintenanceClient().statusMember(endpoint.toString()).get(30, TimeUnit.SECONDS);
    }

    /** A member's database size and the part of it in use. */
    private record Size(URI member, long db, long inUse) {
        @Override
        public String toString() {
            return member + " db=" + db + " inUse=" + inUse;
        }
    }

    private static List<Size> sizes(Map<URI, StatusResponse> statuses) {
        List<Size> sizes = new ArrayList<>();
        statuses.forEach((u, s) -> sizes.add(new Size(u, s.getDbSize(), s.getDbSizeInUse())));
        return sizes;
    }

    /** The time of the (only) log line of member {@code name} whose message is {@code message}. */
    private static Instant logTime(String name, String message) throws IOException {
        EtcdProcess member = etcd.members().stream().filter(m -> m.spec().name().equals(name)).findFirst().orElseThrow();
        ObjectMapper json = new ObjectMapper();
        Optional<Instant> found = Optional.empty();
        for (String line : Files.readAllLines(member.spec().logFile(), StandardCharsets.UTF_8)) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode entry = json.readTree(line);
            if (message.equals(entry.path("msg").asText())) {
                assertThat(found).as("one '%s' in %s", message, member.spec().logFile()).isEmpty();
                // zap's ISO 8601: milliseconds on 3.4 (2026-11-22T10:23:46.915Z), microseconds on 3.5
                found = Optional.of(OffsetDateTime.parse(entry.path("ts").asText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
            }
        }
        return found.orElseThrow(() -> new AssertionError("no '" + message + "' in " + member.spec().logFile()));
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
