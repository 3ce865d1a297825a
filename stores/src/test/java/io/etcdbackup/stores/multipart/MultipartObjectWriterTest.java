package io.etcdbackup.stores.multipart;

import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultipartObjectWriterTest {

    private static final int PART = 16;

    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    /**
     * Waits until {@code thread} is parked (blocked inside the writer: on a free slot, or on the
     * parts in flight). A condition, not a time: once parked with every part gated, nothing can
     * move until the test opens the gate.
     */
    private static void awaitParked(Thread thread) throws Exception {
        Await.await("the writing thread blocked", Duration.ofSeconds(30), thread::getState, state -> state == Thread.State.WAITING);
    }

    /** The receipt the fake hands out: which part, and a copy of its bytes. */
    record Receipt(int number, byte[] bytes) {
    }

    /** An in-memory backend that records every call and can be told to fail or stall parts. */
    static final class FakeTarget implements MultipartTarget<Receipt> {
        final Map<Integer, Integer> attempts = new ConcurrentHashMap<>();
        final Map<Integer, IOException> failOnce = new ConcurrentHashMap<>();
        final Map<Integer, IOException> failAlways = new ConcurrentHashMap<>();
        final Set<byte[]> partBuffers = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        final AtomicInteger begins = new AtomicInteger();
        final AtomicInteger aborts = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);
        /** Counted down as each part upload starts (before the gate). */
        volatile CountDownLatch partsStarted = new CountDownLatch(0);
        volatile byte[] whole;
        volatile List<Receipt> completed;
        volatile IOException completeFailure;
        volatile int runningAtAbort = -1;

        @Override
        public void putWhole(byte[] data, int length) {
            whole = Arrays.copyOf(data, length);
        }

        @Override
        public void begin() {
            begins.incrementAndGet();
        }

        @Override
        public Receipt uploadPart(int number, byte[] data, int length) throws IOException {
            partBuffers.add(data);
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            partsStarted.countDown();
            try {
                attempts.merge(number, 1, Integer::sum);
                if (!gate.await(10, TimeUnit.SECONDS)) {
                    throw new IOException("test gate never opened");
                }
                Thread.sleep((number * 7L) % 5); // finish out of order
                IOException once = failOnce.remove(number);
                if (once != null) {
                    throw once;
                }
                IOException always = failAlways.get(number);
                if (always != null) {
                    throw always;
                }
                return new Receipt(number, Arrays.copyOf(data, length));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } finally {
                running.decrementAndGet();
            }
        }

        @Override
        public void complete(List<Receipt> parts) throws IOException {
            if (completeFailure != null) {
                throw completeFailure;
            }
            completed = List.copyOf(parts);
        }

        @Override
        public void abort() {
            runningAtAbort = running.get();
            aborts.incrementAndGet();
        }

        byte[] assembled() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            completed.forEach(r -> out.writeBytes(r.bytes()));
            return out.toByteArray();
        }
    }

    private MultipartObjectWriter<Receipt> writer(FakeTarget target, int partsInFlight) {
        return new MultipartObjectWriter<>("a/key", "mem://test", target, PART, partsInFlight, 10_000, 3, pool);
    }

    private static byte[] bytes(int n) {
        byte[] data = new byte[n];
        for (int i = 0; i < n; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        return data;
    }

    @Test
    void smallObjectIsOnePut() throws IOException {
        FakeTarget target = new FakeTarget();
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        writer.write(bytes(5));
        writer.write(9);
        writer.close();
        byte[] expected = Arrays.copyOf(bytes(5), 6);
        expected[5] = 9;
        assertArrayEquals(expected, target.whole);
        assertEquals(0, target.begins.get());
        assertNull(target.completed);
    }

    @Test
    void emptyObjectIsOnePutOfNothing() throws IOException {
        FakeTarget target = new FakeTarget();
        writer(target, 2).close();
        assertArrayEquals(new byte[0], target.whole);
        assertEquals(0, target.begins.get());
    }

    @Test
    void objectOfExactlyOnePartStaysOnePut() throws IOException {
        FakeTarget target = new FakeTarget();
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        for (byte b : bytes(PART)) {
            writer.write(b); // byte by byte, so the buffer is full before close
        }
        writer.close();
        assertArrayEquals(bytes(PART), target.whole);
        assertEquals(0, target.begins.get());
        assertTrue(target.attempts.isEmpty());
    }

    @Test
    void onePartPlusOneByteIsMultipart() throws IOException {
        FakeTarget target = new FakeTarget();
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        writer.write(bytes(PART + 1));
        writer.close();
        assertNull(target.whole);
        assertEquals(1, target.begins.get());
        assertEquals(2, target.completed.size());
        assertArrayEquals(bytes(PART + 1), target.assembled());
    }

    @Test
    void partsCompleteInOrder() throws IOException {
        FakeTarget target = new FakeTarget();
        MultipartObjectWriter<Receipt> writer = writer(target, 4);
        byte[] data = bytes(PART * 20 + 3);
        // uneven writes that straddle part boundaries
        for (int off = 0; off < data.length; off += 7) {
            writer.write(data, off, Math.min(7, data.length - off));
        }
        writer.close();
        assertEquals(1, target.begins.get());
        assertEquals(21, target.completed.size());
        for (int i = 0; i < 21; i++) {
            assertEquals(i + 1, target.completed.get(i).number());
        }
        assertArrayEquals(data, target.assembled());
        assertEquals(0, target.aborts.get());
        writer.abort(); // after publishing: nothing to discard
        assertEquals(0, target.aborts.get());
    }

    @Test
    void memoryIsBoundedByPartsInFlightPlusOne() throws Exception {
        FakeTarget target = new FakeTarget();
        target.gate = new CountDownLatch(1);
        target.partsStarted = new CountDownLatch(3);
        MultipartObjectWriter<Receipt> writer = writer(target, 3);
        byte[] data = bytes(PART * 40 + 5);
        CompletableFuture<Thread> writerThread = new CompletableFuture<>();
        Future<?> writing = pool.submit(() -> {
            writerThread.complete(Thread.currentThread());
            writer.write(data);
            writer.close();
            return null;
        });
        // With every part stalled, the writer blocks once three parts are in flight and a fourth is full.
        assertTrue(target.partsStarted.await(30, TimeUnit.SECONDS), "three parts started");
        awaitParked(writerThread.get(10, TimeUnit.SECONDS));
        assertEquals(3, target.running.get());
        assertFalse(writing.isDone());
        target.gate.countDown();
        writing.get(10, TimeUnit.SECONDS);
        assertArrayEquals(data, target.assembled());
        assertEquals(3, target.maxRunning.get());
        assertTrue(target.partBuffers.size() <= 3 + 1, "part buffers allocated: " + target.partBuffers.size());
    }

    @Test
    void transientPartFailureIsRetried() throws IOException {
        FakeTarget target = new FakeTarget();
        target.failOnce.put(2, new TransientStoreException("503 slow down"));
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        byte[] data = bytes(PART * 3 + 1);
        writer.write(data);
        writer.close();
        assertEquals(2, target.attempts.get(2));
        assertEquals(1, target.attempts.get(1));
        assertArrayEquals(data, target.assembled());
        assertEquals(0, target.aborts.get());
    }

    @Test
    void transientFailureGivesUpAfterTheLastAttempt() {
        FakeTarget target = new FakeTarget();
        TransientStoreException failure = new TransientStoreException("503 forever");
        target.failAlways.put(1, failure);
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        IOException thrown = assertThrows(IOException.class, () -> {
            writer.write(bytes(PART * 2 + 1));
            writer.close();
        });
        assertSame(failure, thrown);
        assertEquals(3, target.attempts.get(1));
        assertEquals(1, target.aborts.get());
        assertNull(target.completed);
    }

    @Test
    void permanentPartFailureAbortsAndCloseThrows() throws IOException {
        FakeTarget target = new FakeTarget();
        IOException failure = new IOException("403 access denied");
        target.failAlways.put(2, failure);
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        writer.write(bytes(PART * 2 + 1)); // part 2 starts here; its failure surfaces at close at the latest
        IOException thrown = assertThrows(IOException.class, writer::close);
        assertSame(failure, thrown);
        assertEquals(1, target.attempts.get(2));
        assertEquals(1, target.aborts.get());
        assertEquals(0, target.runningAtAbort);
        assertNull(target.completed);
        writer.close(); // again: no effect
        writer.abort(); // already discarded
        assertEquals(1, target.aborts.get());
    }

    @Test
    void failedPartSurfacesAtALaterWrite() throws Exception {
        FakeTarget target = new FakeTarget();
        IOException failure = new IOException("400 bad digest");
        target.failAlways.put(1, failure);
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        writer.write(bytes(PART + 1));
        // Part 1 fails on an upload thread; some later write (not close) reports it.
        IOException thrown = Await.await("a write that reports part 1's failure", Duration.ofSeconds(30), () -> {
            try {
                writer.write(bytes(PART));
                return null;
            } catch (IOException e) {
                return e;
            }
        }, Objects::nonNull);
        assertSame(failure, thrown);
        assertEquals(1, target.aborts.get());
        assertThrows(IOException.class, () -> writer.write(1));
    }

    @Test
    void failedCompleteAborts() throws IOException {
        FakeTarget target = new FakeTarget();
        target.completeFailure = new IOException("412 precondition failed");
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        writer.write(bytes(PART * 2 + 1));
        assertSame(target.completeFailure, assertThrows(IOException.class, writer::close));
        assertEquals(1, target.aborts.get());
    }

    @Test
    void tooManyPartsFailsAndAborts() throws IOException {
        FakeTarget target = new FakeTarget();
        MultipartObjectWriter<Receipt> writer = new MultipartObjectWriter<>("a/key", "mem://test", target, PART, 2, 2, 3, pool);
        MultipartObjectWriter<Receipt> fits = new MultipartObjectWriter<>("a/key", "mem://test", new FakeTarget(), PART, 2, 2, 3, pool);
        fits.write(bytes(PART * 2));
        fits.close(); // exactly the limit is fine
        writer.write(bytes(PART * 2));
        IOException thrown = assertThrows(IOException.class, () -> writer.write(1));
        assertTrue(thrown.getMessage().contains("more than 2 parts"), thrown.getMessage());
        assertEquals(1, target.aborts.get());
    }

    @Test
    void abortWaitsForPartsInFlightThenAborts() throws Exception {
        FakeTarget target = new FakeTarget();
        target.gate = new CountDownLatch(1);
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        writer.write(bytes(PART * 2 + 1)); // two parts in flight, both stalled
        CompletableFuture<Thread> abortThread = new CompletableFuture<>();
        Future<?> aborting = pool.submit(() -> {
            abortThread.complete(Thread.currentThread());
            writer.abort();
        });
        awaitParked(abortThread.get(10, TimeUnit.SECONDS)); // abort is waiting for the stalled parts
        assertFalse(aborting.isDone(), "abort returned while parts were still uploading");
        assertEquals(0, target.aborts.get());
        target.gate.countDown();
        aborting.get(10, TimeUnit.SECONDS);
        assertEquals(1, target.aborts.get());
        assertEquals(0, target.runningAtAbort);
        assertNull(target.completed);
        writer.abort(); // idempotent
        writer.close(); // no effect after abort
        assertEquals(1, target.aborts.get());
        assertNull(target.completed);
    }

    @Test
    void abortBeforeAnyPartCallsNothing() {
        FakeTarget target = new FakeTarget();
        MultipartObjectWriter<Receipt> writer = writer(target, 2);
        writer.abort();
        assertEquals(0, target.aborts.get());
        assertNull(target.whole);
    }

    @Test
    void writesAfterCloseOrAbortFail() throws IOException {
        FakeTarget closedTarget = new FakeTarget();
        MultipartObjectWriter<Receipt> closed = writer(closedTarget, 2);
        closed.write(bytes(3));
        closed.close();
        assertThrows(IOException.class, () -> closed.write(1));
        assertThrows(IOException.class, () -> closed.write(bytes(PART * 2)));
        closed.close(); // again: no effect
        assertArrayEquals(bytes(3), closedTarget.whole);

        MultipartObjectWriter<Receipt> aborted = writer(new FakeTarget(), 2);
        aborted.abort();
        assertThrows(IOException.class, () -> aborted.write(1));
    }

    @Test
    void rejectsNonsenseSettings() {
        FakeTarget target = new FakeTarget();
        assertThrows(IllegalArgumentException.class, () -> new MultipartObjectWriter<>("k", "l", target, 0, 1, 1, 1, pool));
        assertThrows(IllegalArgumentException.class, () -> new MultipartObjectWriter<>("k", "l", target, 1, 0, 1, 1, pool));
    }
}
