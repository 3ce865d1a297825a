package io.etcdbackup.stores.retry;

import io.etcdbackup.stores.ByteRange;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectKeys;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Retries calls that fail with a {@link TransientStoreException} (anywhere in the cause chain),
 * with exponential backoff and full jitter ({@link RetryPolicy}). Permanent failures, not-found
 * and refused preconditions pass through at once.
 *
 * <p>What is retried:
 * <ul>
 *   <li>{@code stat}, {@code labels}, {@code delete} (idempotent), {@code open} and {@code open(range)}: the call.</li>
 *   <li>Reading an opened stream: a transient failure mid-stream reopens the object at the byte
 *       after the last one delivered (a range read), so a long download survives a reset.</li>
 *   <li>{@code list}: the call, and a page fetch that fails mid-listing; since listings are
 *       sorted, the listing is restarted and keys up to the last one delivered are skipped.</li>
 *   <li>{@code put(key, bytes, mode)}: the whole write, since the bytes are at hand. With
 *       {@link WriteMode#IF_ABSENT}, an {@link ObjectAlreadyExistsException} after a transient
 *       failure may mean the failed attempt did publish (the reply was lost); the object is then
 *       read back and, if it holds exactly these bytes, the put counts as done.</li>
 *   <li>{@code create}: only starting the write. The returned writer is the delegate's: a
 *       streaming write cannot be replayed mid-stream, so a failure in {@code write} or
 *       {@code close} reaches the caller, who must abort and start over. Providers retry their
 *       own part uploads internally.</li>
 * </ul>
 *
 * <p>Transient failures are logged at WARN at most once per {@link RetryPolicy#logInterval()}
 * (with the number of further failures since the last message), otherwise at DEBUG.
 */
public final class RetryingObjectStore implements ObjectStore {

    private static final Logger LOG = LoggerFactory.getLogger(RetryingObjectStore.class);

    /** Pauses between attempts; injected so tests do not wait. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;

        Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());
    }

    private final ObjectStore delegate;
    private final RetryPolicy policy;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Random random;
    private final AtomicReference<Instant> lastWarned = new AtomicReference<>(Instant.MIN);
    private final AtomicLong unloggedFailures = new AtomicLong();

    /**
     * @param random the source of jitter (seeded in tests); used under its own lock
     */
    public RetryingObjectStore(ObjectStore delegate, RetryPolicy policy, Sleeper sleeper, Clock clock, Random random) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Retries with {@code policy}, real sleeping, the system clock. */
    public static ObjectStore wrap(ObjectStore delegate, RetryPolicy policy) {
        return new RetryingObjectStore(delegate, policy, Sleeper.SYSTEM, Clock.systemUTC(), new Random());
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws IOException;
    }

    private <T> T retry(String operation, String key, Call<T> call) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (IOException e) {
                if (!TransientStoreException.isTransient(e)) {
                    throw e;
                }
                if (attempt >= policy.maxAttempts()) {
                    throw new TransientStoreException("gave up on " + operation + " '" + key + "' in " + delegate.location()
                            + " after " + attempt + " attempts: " + e.getMessage(), e);
                }
                pause(operation, key, attempt, e);
            }
        }
    }

    private void pause(String operation, String key, int attempt, IOException cause) throws IOException {
        Duration cap = policy.backoffCap(attempt);
        long millis;
        synchronized (random) {
            millis = cap.toMillis() <= 0 ? 0 : (long) (random.nextDouble() * (cap.toMillis() + 1));
        }
        Duration wait = Duration.ofMillis(millis);
        logOncePerInterval(operation, key, attempt, wait, cause);
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while retrying " + operation + " '" + key + "'");
            interrupted.initCause(cause);
            throw interrupted;
        }
    }

    private void logOncePerInterval(String operation, String key, int attempt, Duration wait, IOException cause) {
        Instant now = clock.instant();
        Instant last = lastWarned.get();
        boolean due = last.equals(Instant.MIN) || !now.isBefore(last.plus(policy.logInterval()));
        if (due && lastWarned.compareAndSet(last, now)) {
            long suppressed = unloggedFailures.getAndSet(0);
            LOG.warn("transient store failure, retrying: store={} operation={} key={} attempt={} wait_ms={} "
                            + "other_failures_since_last_warning={} cause={}",
                    delegate.location(), operation, key, attempt, wait.toMillis(), suppressed, cause.toString(), cause);
        } else {
            unloggedFailures.incrementAndGet();
            LOG.debug("transient store failure, retrying: operation={} key={} attempt={} wait_ms={} cause={}",
                    operation, key, attempt, wait.toMillis(), cause.toString(), cause);
        }
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) throws IOException {
        ObjectKeys.requireValid(key);
        return retry("create", key, () -> delegate.create(key, mode));
    }

    @Override
    public void put(String key, byte[] content, WriteMode mode) throws IOException {
        ObjectKeys.requireValid(key);
        boolean[] failedTransiently = {false};
        retry("put", key, () -> {
            try {
                delegate.put(key, content, mode);
                return null;
            } catch (ObjectAlreadyExistsException e) {
                if (failedTransiently[0] && holds(key, content)) {
                    LOG.debug("conditional put found its own earlier attempt published: key={}", key);
                    return null;
                }
                throw e;
            } catch (IOException e) {
                failedTransiently[0] |= TransientStoreException.isTransient(e);
                throw e;
            }
        });
    }

    private boolean holds(String key, byte[] content) throws IOException {
        try {
            return delegate.stat(key).size() == content.length && Arrays.equals(delegate.readAll(key), content);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        ObjectKeys.requireValid(key);
        InputStream first = retry("open", key, () -> delegate.open(key));
        return new ResumingInputStream(key, 0, Long.MAX_VALUE, first);
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        ObjectKeys.requireValid(key);
        ByteRange.of(key, offset, length);
        InputStream first = retry("open", key, () -> delegate.open(key, offset, length));
        return new ResumingInputStream(key, offset, length, first);
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        ObjectKeys.requireValid(key);
        return retry("stat", key, () -> delegate.stat(key));
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
        return new ResumingIterator(prefix, retry("list", prefix, () -> delegate.list(prefix)));
    }

    @Override
    public void delete(String key) throws IOException {
        ObjectKeys.requireValid(key);
        retry("delete", key, () -> {
            delegate.delete(key);
            return null;
        });
    }

    @Override
    public java.util.Map<String, String> labels(String key) throws IOException {
        ObjectKeys.requireValid(key);
        return retry("labels", key, () -> delegate.labels(key));
    }

    @Override
    public String location() {
        return delegate.location();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    /** Reopens the remaining range after a transient failure mid-stream. */
    private final class ResumingInputStream extends InputStream {
        private final String key;
        private final long start;
        private final long length;
        private InputStream current;
        private long delivered;

        ResumingInputStream(String key, long start, long length, InputStream first) {
            this.key = key;
            this.start = start;
            this.length = length;
            this.current = first;
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
            return retry("read", key, () -> {
                if (current == null) {
                    long remaining = length == Long.MAX_VALUE ? Long.MAX_VALUE : length - delivered;
                    current = delegate.open(key, start + delivered, remaining);
                }
                try {
                    int n = current.read(b, off, len);
                    if (n > 0) {
                        delivered += n;
                    }
                    return n;
                } catch (IOException e) {
                    if (TransientStoreException.isTransient(e)) {
                        closeQuietly(current);
                        current = null;
                    }
                    throw e;
                }
            });
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                current.close();
                current = null;
            }
        }

        private void closeQuietly(InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the stream already failed; a fresh one replaces it
            }
        }
    }

    /** Restarts a sorted listing after a transient failure, skipping what was already delivered. */
    private final class ResumingIterator implements ObjectIterator {
        private final String prefix;
        private ObjectIterator current;
        private ObjectInfo pending;
        private String lastKey;

        ResumingIterator(String prefix, ObjectIterator first) {
            this.prefix = prefix;
            this.current = first;
        }

        @Override
        public boolean hasNext() throws IOException {
            return retry("list", prefix, () -> {
                if (pending != null) {
                    return true;
                }
                try {
                    if (current == null) {
                        current = delegate.list(prefix);
                    }
                    while (current.hasNext()) {
                        ObjectInfo info = current.next();
                        // After a restart, skip what was delivered; otherwise keys only increase.
                        if (lastKey == null || ObjectKeys.compareUtf8(info.key(), lastKey) > 0) {
                            pending = info;
                            return true;
                        }
                    }
                    return false;
                } catch (IOException e) {
                    if (TransientStoreException.isTransient(e)) {
                        current = null;
                    }
                    throw e;
                }
            });
        }

        @Override
        public ObjectInfo next() throws IOException {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ObjectInfo info = pending;
            pending = null;
            lastKey = info.key();
            return info;
        }
    }
}
