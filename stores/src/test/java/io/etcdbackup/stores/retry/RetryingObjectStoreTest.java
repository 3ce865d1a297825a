package io.etcdbackup.stores.retry;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.conformance.GeneratedBytes;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore.Operation;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class RetryingObjectStoreTest {

    @TempDir
    Path dir;
    ObjectStore local;
    final List<Duration> sleeps = new ArrayList<>();
    final RetryPolicy policy = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, Duration.ofMinutes(1));

    @BeforeEach
    void setUp() throws IOException {
        local = LocalStoreProvider.at(dir);
    }

    private ObjectStore retrying(ObjectStore delegate) {
        return retrying(delegate, policy);
    }

    private ObjectStore retrying(ObjectStore delegate, RetryPolicy policy) {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        return new RetryingObjectStore(delegate, policy, sleeps::add, clock, new Random(3));
    }

    @Test
    void twentyPercentOfCallsFailingStillCompletesASequenceOfPutsAndReads() throws IOException {
        // Every operation, including the mid-listing page steps and the writer calls, fails 20% of the time.
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 20260101L)
                .on().probability(0.2).fail();
        // A put is three faultable calls (create, write, close): an attempt succeeds only ~51% of
        // the time, so allow more attempts than the default test policy.
        ObjectStore store = retrying(faults, new RetryPolicy(16, Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, Duration.ofMinutes(1)));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String key = String.format("seq/%03d", i);
            keys.add(key);
            store.put(key, content(i), i % 2 == 0 ? WriteMode.OVERWRITE : WriteMode.IF_ABSENT);
        }
        for (int i = 0; i < 60; i++) {
            assertThat(store.readAll(keys.get(i))).isEqualTo(content(i));
            assertThat(store.stat(keys.get(i)).size()).isEqualTo(content(i).length);
            try (InputStream in = store.open(keys.get(i), 2, 5)) {
                assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(content(i), 2, 7));
            }
        }
        assertThat(store.list("seq/").toList()).extracting(info -> info.key()).containsExactlyElementsOf(keys);
        for (int i = 0; i < 60; i += 3) {
            store.delete(keys.get(i));
        }
        assertThat(local.list("seq/").toList()).hasSize(40);
        assertThat(faults.injectedCount()).as("faults were really injected").isGreaterThan(50);
        assertThat(sleeps).hasSize(faults.injectedCount());
    }

    @Test
    void resumesACutDownloadWhereItBroke() throws IOException {
        GeneratedBytes data = new GeneratedBytes(9, 300_000);
        try (var writer = local.create("big", WriteMode.OVERWRITE)) {
            data.writeTo(writer);
        }
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1)
                .on(Operation.OPEN).times(3).cutStreamAfter(70_000);
        try (InputStream in = retrying(faults).open("big")) {
            assertThat(GeneratedBytes.digest(in)).isEqualTo(new GeneratedBytes.Digest(data.length(), data.sha256Hex()));
        }
        assertThat(faults.injectedCount()).isEqualTo(3);
    }

    @Test
    void listingBrokenBetweenPagesResumesWithoutDuplicatesOrGaps() throws IOException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            keys.add(String.format("k%05d", i));
            java.nio.file.Files.createFile(dir.resolve(keys.get(i))); // what the local store would publish, minus its fsyncs
        }
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 5)
                .on(Operation.LIST).times(4).probability(0.5).fail();

        assertThat(retrying(faults).list("k").toList()).extracting(info -> info.key()).containsExactlyElementsOf(keys);
        assertThat(faults.injectedCount()).isEqualTo(4);
    }

    @Test
    void conditionalPutWhoseReplyWasLostCountsAsDone() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1)
                .on(Operation.CLOSE).times(1).afterCall().fail();
        ObjectStore store = retrying(faults);

        store.put("cas", bytes("mine"), WriteMode.IF_ABSENT);

        assertThat(local.readAll("cas")).isEqualTo(bytes("mine"));
        // Someone else's object under the key is still refused.
        assertThatThrownBy(() -> store.put("cas", bytes("other"), WriteMode.IF_ABSENT)).isInstanceOf(ObjectAlreadyExistsException.class);
    }

    @Test
    void permanentFailuresAndNotFoundAreNotRetried() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1)
                .on(Operation.STAT).keys("perm").fail(() -> new IOException("access denied"));
        ObjectStore store = retrying(faults);

        assertThatThrownBy(() -> store.stat("perm")).hasMessage("access denied");
        assertThatThrownBy(() -> store.stat("missing")).isInstanceOf(NoSuchObjectException.class);
        assertThat(faults.callCount()).isEqualTo(2);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void givesUpAfterMaxAttemptsWithBackoffGrowingUpToTheCap() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1);
        faults.down();
        ObjectStore store = retrying(faults);

        assertThatThrownBy(() -> store.delete("k")).isInstanceOf(TransientStoreException.class)
                .hasMessageContaining("gave up on delete 'k'").hasMessageContaining("after 6 attempts");
        assertThat(faults.callCount()).isEqualTo(6);
        assertThat(sleeps).hasSize(5);
        long[] caps = {100, 200, 400, 800, 1600};
        for (int i = 0; i < 5; i++) {
            assertThat(sleeps.get(i).toMillis()).isBetween(0L, caps[i]);
        }
        assertThat(policy.backoffCap(10)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void createIsRetriedButTheStreamIsNotReplayed() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1)
                .on(Operation.CREATE).times(2).fail()
                .on(Operation.WRITE).times(1).fail();
        ObjectStore store = retrying(faults);

        var writer = store.create("k", WriteMode.OVERWRITE);
        assertThatThrownBy(() -> writer.write(bytes("x"))).isInstanceOf(TransientStoreException.class);
        writer.abort();
        assertThat(local.list("").toList()).isEmpty();
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void policyRejectsNonsense() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 2, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoff");
    }

    private static byte[] content(int i) {
        return ("object number " + i + " ").repeat(i + 1).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
