package io.etcdbackup.stores.faults;

import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A store for tests that fails, delays or cuts chosen calls of the store it wraps.
 *
 * <pre>{@code
 * FaultInjectingObjectStore faults = new FaultInjectingObjectStore(store, 42);
 * faults.on(Operation.STAT, Operation.OPEN).keys("snap/.*").probability(0.2).fail();   // transient
 * faults.on(Operation.CLOSE).times(1).afterCall().fail();      // published, but the reply is "lost"
 * faults.on(Operation.OPEN).cutStreamAfter(1000);               // the stream breaks after 1000 bytes
 * faults.on(Operation.DELETE).delay(Duration.ofMillis(20));
 * faults.down();  ...  faults.up();                             // every call fails until up()
 * }</pre>
 *
 * <p>Rules are checked in the order added; the first that matches (operation, key pattern, times
 * left, then a draw from the seeded {@link Random}) applies. A fault "before" the call means the
 * wrapped store is not called at all; {@link Rule#afterCall()} calls it first and then fails.
 * Failures are {@link TransientStoreException}s unless a supplier says otherwise.
 */
public final class FaultInjectingObjectStore implements ObjectStore {

    /** The calls a rule can target. WRITE and CLOSE are calls on a writer from {@code create}. */
    public enum Operation { CREATE, WRITE, CLOSE, OPEN, STAT, LIST, DELETE, LABELS }

    /** The page size of a simulated listing: a LIST fault can hit before every page after the first. */
    public static final int LIST_PAGE = 1000;

    private final ObjectStore delegate;
    private final Random random;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private volatile boolean down;
    /** Held shared by every call, so that {@link #down()} can wait for those in flight. */
    private final ReentrantReadWriteLock inFlight = new ReentrantReadWriteLock();
    private final AtomicInteger injected = new AtomicInteger();
    private final AtomicLong calls = new AtomicLong();

    public FaultInjectingObjectStore(ObjectStore delegate, long seed) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.random = new Random(seed);
    }

    /** Starts a rule for the given operations (all of them if none are given). */
    public Rule on(Operation... operations) {
        return new Rule(operations.length == 0 ? EnumSet.allOf(Operation.class) : EnumSet.of(operations[0], operations));
    }

    /**
     * From now on every call fails with a {@link TransientStoreException} until {@link #up()}.
     * Returns once the calls already running have finished, so nothing reaches the store after.
     */
    public void down() {
        down = true;
        inFlight.writeLock().lock(); // waits for the calls that passed the check before
        inFlight.writeLock().unlock();
    }

    /** Ends {@link #down()}. */
    public void up() {
        down = false;
    }

    /** Removes all rules. */
    public void clear() {
        rules.clear();
    }

    /** How many faults (failures, delays, cut streams) were injected so far. */
    public int injectedCount() {
        return injected.get();
    }

    /** How many calls reached this store (whether or not a fault was injected). */
    public long callCount() {
        return calls.get();
    }

    /** A fault rule under construction; it takes effect when a terminal method is called. */
    public final class Rule {
        private final Set<Operation> operations;
        private Pattern keys = Pattern.compile(".*", Pattern.DOTALL);
        private double probability = 1.0;
        private AtomicInteger timesLeft = new AtomicInteger(Integer.MAX_VALUE);
        private boolean after;
        private Supplier<? extends IOException> failure;
        private Duration delay;
        private long cutAfter = -1;

        private Rule(Set<Operation> operations) {
            this.operations = operations;
        }

        /** Only keys (or list prefixes) matching this regular expression, in full. */
        public Rule keys(String regex) {
            this.keys = Pattern.compile(regex, Pattern.DOTALL);
            return this;
        }

        /** Applies to a matching call with this probability (drawn from the seeded Random). */
        public Rule probability(double p) {
            if (p < 0 || p > 1) {
                throw new IllegalArgumentException("probability must be in [0, 1], was " + p);
            }
            this.probability = p;
            return this;
        }

        /** Applies at most this many times. */
        public Rule times(int n) {
            this.timesLeft = new AtomicInteger(n);
            return this;
        }

        /** Calls the wrapped store first, then fails (a reply lost after the backend acted). */
        public Rule afterCall() {
            this.after = true;
            return this;
        }

        /** Fails matching calls with a {@link TransientStoreException}. */
        public FaultInjectingObjectStore fail() {
            return fail(() -> new TransientStoreException("injected transient fault"));
        }

        /** Fails matching calls with the exception {@code failure} supplies. */
        public FaultInjectingObjectStore fail(Supplier<? extends IOException> failure) {
            this.failure = Objects.requireNonNull(failure, "failure");
            return add();
        }

        /** Delays matching calls (really sleeps), then performs them. */
        public FaultInjectingObjectStore delay(Duration delay) {
            this.delay = Objects.requireNonNull(delay, "delay");
            return add();
        }

        /** For {@link Operation#OPEN}: the opened stream fails transiently after {@code bytes} bytes. */
        public FaultInjectingObjectStore cutStreamAfter(long bytes) {
            if (!operations.equals(EnumSet.of(Operation.OPEN))) {
                throw new IllegalArgumentException("cutStreamAfter applies to OPEN only, not " + operations);
            }
            this.cutAfter = bytes;
            return add();
        }

        private FaultInjectingObjectStore add() {
            rules.add(this);
            return FaultInjectingObjectStore.this;
        }

        private boolean matches(Operation operation, String key) {
            if (!operations.contains(operation) || !keys.matcher(key).matches()) {
                return false;
            }
            boolean drawn;
            synchronized (random) {
                drawn = probability >= 1.0 || random.nextDouble() < probability;
            }
            return drawn && timesLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws IOException;
    }

    private <T> T call(Operation operation, String key, Call<T> call) throws IOException {
        inFlight.readLock().lock();
        try {
            return callInFlight(operation, key, call);
        } finally {
            inFlight.readLock().unlock();
        }
    }

    private <T> T callInFlight(Operation operation, String key, Call<T> call) throws IOException {
        calls.incrementAndGet();
        if (down) {
            injected.incrementAndGet();
            throw new TransientStoreException("injected: store is down (" + operation + " '" + key + "')");
        }
        Rule rule = null;
        for (Rule candidate : rules) {
            if (candidate.cutAfter < 0 && candidate.matches(operation, key)) {
                rule = candidate;
                break;
            }
        }
        if (rule == null) {
            return call.call();
        }
        injected.incrementAndGet();
        if (rule.delay != null) {
            try {
                Thread.sleep(rule.delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted in an injected delay");
            }
            return call.call();
        }
        if (rule.after) {
            call.call();
        }
        throw rule.failure.get();
    }

    private InputStream maybeCut(String key, InputStream in) {
        for (Rule rule : rules) {
            if (rule.cutAfter >= 0 && rule.matches(Operation.OPEN, key)) {
                injected.incrementAndGet();
                return new CutStream(in, rule.cutAfter, key);
            }
        }
        return in;
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) throws IOException {
        ObjectWriter writer = call(Operation.CREATE, key, () -> delegate.create(key, mode));
        return new ObjectWriter() {
            @Override
            public void write(int b) throws IOException {
                call(Operation.WRITE, key, () -> {
                    writer.write(b);
                    return null;
                });
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                call(Operation.WRITE, key, () -> {
                    writer.write(b, off, len);
                    return null;
                });
            }

            @Override
            public void flush() throws IOException {
                writer.flush();
            }

            @Override
            public void close() throws IOException {
                call(Operation.CLOSE, key, () -> {
                    writer.close();
                    return null;
                });
            }

            @Override
            public void abort() {
                writer.abort();
            }
        };
    }

    @Override
    public InputStream open(String key) throws IOException {
        return maybeCut(key, call(Operation.OPEN, key, () -> delegate.open(key)));
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        return maybeCut(key, call(Operation.OPEN, key, () -> delegate.open(key, offset, length)));
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        return call(Operation.STAT, key, () -> delegate.stat(key));
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
        ObjectIterator inner = call(Operation.LIST, prefix, () -> delegate.list(prefix));
        // Fetching each further page of 1,000 is a faultable call too, so a listing can break midway.
        return new ObjectIterator() {
            private long delivered;
            private long pageChecked;

            @Override
            public boolean hasNext() throws IOException {
                if (delivered % LIST_PAGE == 0 && delivered != pageChecked) {
                    call(Operation.LIST, prefix, () -> null);
                    pageChecked = delivered;
                }
                return inner.hasNext();
            }

            @Override
            public ObjectInfo next() throws IOException {
                ObjectInfo info = inner.next();
                delivered++;
                return info;
            }
        };
    }

    @Override
    public void delete(String key) throws IOException {
        call(Operation.DELETE, key, () -> {
            delegate.delete(key);
            return null;
        });
    }

    @Override
    public java.util.Map<String, String> labels(String key) throws IOException {
        return call(Operation.LABELS, key, () -> delegate.labels(key));
    }

    @Override
    public String location() {
        return delegate.location();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    private static final class CutStream extends FilterInputStream {
        private long left;
        private final String key;

        CutStream(InputStream in, long cutAfter, String key) {
            super(in);
            this.left = cutAfter;
            this.key = key;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (left <= 0) {
                throw new TransientStoreException("injected: stream of '" + key + "' cut");
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
