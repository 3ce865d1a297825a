package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.api.Event;
import io.etcdbackup.snapshot.format.ObjectHeader.LeaseRecord;
import io.etcdbackup.snapshot.testing.DeltaSegments;
import io.etcdbackup.stores.testing.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

class LeaseTtlsTest {

    /** A fake etcd lease service: each lookup is a future the test completes. */
    private static final class Lookups {
        final List<Long> asked = new ArrayList<>();
        final Map<Long, CompletableFuture<Long>> pending = new HashMap<>();

        synchronized CompletableFuture<Long> ask(long lease) {
            asked.add(lease);
            CompletableFuture<Long> answer = new CompletableFuture<>();
            pending.put(lease, answer);
            return answer;
        }

        synchronized CompletableFuture<Long> answer(long lease) {
            return pending.get(lease);
        }

        synchronized List<Long> asked() {
            return List.copyOf(asked);
        }
    }

    private static Event withLease(long revision, long lease) {
        return DeltaSegments.put("/k/" + revision, "v", revision, revision, 1, lease);
    }

    @Test
    void theLookupStartsWhenTheEventArrivesAndTheFlushOnlyCollectsIt() {
        Lookups etcd = new Lookups();
        LeaseTtls ttls = new LeaseTtls(etcd::ask, Duration.ofSeconds(30), Duration.ofSeconds(30));
        List<Event> events = List.of(withLease(1, 7), withLease(2, 0), withLease(3, 8), withLease(4, 7));
        events.forEach(ttls::observe);
        assertThat(etcd.asked).as("asked on arrival, once per lease").containsExactly(7L, 8L);

        etcd.answer(7).complete(60L);
        etcd.answer(8).complete(-1L); // expired: etcd says -1 or 0
        assertThat(ttls.recordsOf(events)).containsExactly(new LeaseRecord(7, 60), new LeaseRecord(8, 0));
        assertThat(ttls.recordsOf(List.of(withLease(5, 7)))).containsExactly(new LeaseRecord(7, 60));
        assertThat(etcd.asked).as("a granted TTL never changes: asked once").containsExactly(7L, 8L);
    }

    @Test
    void aLookupStillInFlightIsWaitedForAtMostTheTimeoutThenItsAnswerServesLaterSegments() {
        Lookups etcd = new Lookups();
        LeaseTtls ttls = new LeaseTtls(etcd::ask, Duration.ofSeconds(30), Duration.ofMillis(50));
        Event event = withLease(1, 7);
        ttls.observe(event);

        long started = System.nanoTime();
        assertThat(ttls.recordsOf(List.of(event))).as("unknown for now").containsExactly(new LeaseRecord(7, 0));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

        etcd.answer(7).complete(60L);
        assertThat(ttls.recordsOf(List.of(withLease(2, 7)))).containsExactly(new LeaseRecord(7, 60));
    }

    @Test
    void anAnswerArrivingWhileTheFlushWaitsIsUsed() throws Exception {
        Lookups etcd = new Lookups();
        LeaseTtls ttls = new LeaseTtls(etcd::ask, Duration.ofSeconds(30), Duration.ofSeconds(30));
        Event event = withLease(1, 7);
        ttls.observe(event);
        Thread answering = new Thread(() -> etcd.answer(7).complete(45L));
        answering.start();
        assertThat(ttls.recordsOf(List.of(event))).containsExactly(new LeaseRecord(7, 45));
        answering.join();
    }

    @Test
    void aLookupThatTimesOutCountsAsUnknownAndIsAskedAgain() throws Exception {
        Lookups etcd = new Lookups();
        LeaseTtls ttls = new LeaseTtls(etcd::ask, Duration.ofMillis(1), Duration.ofSeconds(30));
        Event event = withLease(1, 7);
        ttls.observe(event);
        CompletableFuture<Long> first = etcd.answer(7);
        assertThat(first.handle((ttl, error) -> error).get(10, TimeUnit.SECONDS)).as("failed by its own timeout")
                .isInstanceOf(TimeoutException.class);
        assertThat(ttls.recordsOf(List.of(event))).containsExactly(new LeaseRecord(7, 0));
        assertThat(etcd.asked).as("asked again when collected").containsExactly(7L, 7L);
    }

    @Test
    void aFailedLookupCountsAsUnknownAndIsAskedAgain() {
        Lookups etcd = new Lookups();
        LeaseTtls ttls = new LeaseTtls(etcd::ask, Duration.ofSeconds(30), Duration.ofSeconds(30));
        Event event = withLease(1, 7);
        ttls.observe(event);
        etcd.answer(7).completeExceptionally(new IllegalStateException("etcd unavailable"));

        ttls.observe(withLease(2, 7));
        assertThat(etcd.asked).as("asked again when next seen").containsExactly(7L, 7L);
        etcd.answer(7).complete(30L);
        assertThat(ttls.recordsOf(List.of(event))).containsExactly(new LeaseRecord(7, 30));
    }

    @Test
    void aLookupThatCannotStartCountsAsUnknown() {
        LeaseTtls ttls = new LeaseTtls(lease -> {
            throw new IllegalStateException("client closed");
        }, Duration.ofSeconds(30), Duration.ofSeconds(30));
        Event event = withLease(1, 7);
        ttls.observe(event);
        assertThat(ttls.recordsOf(List.of(event))).containsExactly(new LeaseRecord(7, 0));
    }

    @Test
    void aBurstOfNewLeasesAsksEtcdAtMostSixteenAtOnceAndTheRestAsAnswersCome() throws Exception {
        Lookups etcd = new Lookups();
        LeaseTtls ttls = new LeaseTtls(etcd::ask, Duration.ofSeconds(30), Duration.ofSeconds(30));
        List<Event> events = new ArrayList<>();
        for (long lease = 1; lease <= 40; lease++) {
            events.add(withLease(lease, lease));
        }
        events.forEach(ttls::observe);
        assertThat(etcd.asked()).as("asked at once").hasSize(LeaseTtls.MAX_IN_FLIGHT);

        for (long lease = 1; lease <= 40; lease++) {
            long answered = lease;
            Await.await("lease " + lease + " asked", Duration.ofSeconds(10), () -> etcd.answer(answered) != null);
            assertThat((long) etcd.asked().size()).as("in flight after %d answers", lease - 1).isLessThanOrEqualTo(LeaseTtls.MAX_IN_FLIGHT + lease - 1);
            etcd.answer(lease).complete(lease * 10);
        }
        List<LeaseRecord> expected = new ArrayList<>();
        for (long lease = 1; lease <= 40; lease++) {
            expected.add(new LeaseRecord(lease, lease * 10));
        }
        assertThat(ttls.recordsOf(events)).containsExactlyElementsOf(expected);
    }
}
