package io.etcdbackup.stores.metrics;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectIterator;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Records calls, latency, bytes and errors of every operation in Micrometer. Meters (tag
 * {@code store} is the URL scheme of the store, e.g. {@code s3}):
 * <ul>
 *   <li>{@value #CALLS} (timer; Prometheus {@code etcdbackup_store_calls_seconds_count/_sum/_max}),
 *       tags {@code operation} and {@code outcome}. Operations: {@code write} (from
 *       {@code create} to the end of {@code close} or {@code abort}), {@code open}, {@code stat},
 *       {@code list} (the first page), {@code delete}, {@code labels}. Outcomes: {@code success},
 *       {@code not_found}, {@code already_exists}, {@code locked} (a delete refused by a
 *       retention lock), {@code aborted}, {@code error}.</li>
 *   <li>{@value #ERRORS} (counter; {@code etcdbackup_store_errors_total}), tags {@code operation}
 *       and {@code kind} ({@code transient} or {@code permanent}): failures other than not-found,
 *       already-exists and locked, which are answers, not errors.</li>
 *   <li>{@value #BYTES} (counter, base unit bytes; {@code etcdbackup_store_bytes_total}), tag
 *       {@code direction} ({@code read}: bytes delivered by opened streams; {@code write}: bytes
 *       of published objects).</li>
 * </ul>
 */
public final class MeteredObjectStore implements ObjectStore {

    public static final String CALLS = "etcdbackup.store.calls";
    public static final String ERRORS = "etcdbackup.store.errors";
    public static final String BYTES = "etcdbackup.store.bytes";

    private final ObjectStore delegate;
    private final MeterRegistry registry;
    private final String storeTag;
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private volatile long lastAnswerNanos;
    private volatile long lastErrorNanos;
    private volatile String lastError;

    /**
     * Whether the store answered its last call: {@code healthy} unless the newest call outcome
     * was an error (a missing object or a lost only-if-absent race is an answer).
     *
     * @param healthy   no error since the last answer (true before any call)
     * @param lastError the newest error's message, if the newest outcome was one
     */
    public record Health(boolean healthy, java.util.Optional<String> lastError) {
    }

    /** How the store's calls fared lately (for status pages). */
    public Health health() {
        boolean healthy = lastErrorNanos == 0 || lastAnswerNanos - lastErrorNanos > 0;
        return new Health(healthy, healthy ? java.util.Optional.empty() : java.util.Optional.ofNullable(lastError));
    }

    public MeteredObjectStore(ObjectStore delegate, MeterRegistry registry) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.registry = Objects.requireNonNull(registry, "registry");
        String location = delegate.location();
        int colon = location.indexOf("://");
        this.storeTag = colon > 0 ? location.substring(0, colon) : "unknown";
        this.bytesRead = Counter.builder(BYTES).baseUnit("bytes").description("Bytes moved to or from the object store")
                .tags("store", storeTag, "direction", "read").register(registry);
        this.bytesWritten = Counter.builder(BYTES).baseUnit("bytes").description("Bytes moved to or from the object store")
                .tags("store", storeTag, "direction", "write").register(registry);
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws IOException;
    }

    private <T> T timed(String operation, Call<T> call) throws IOException {
        long start = System.nanoTime();
        try {
            T result = call.call();
            record(operation, "success", start);
            return result;
        } catch (IOException | RuntimeException e) {
            failed(operation, e, start);
            throw e;
        }
    }

    private void record(String operation, String outcome, long startNanos) {
        if (!outcome.equals("error")) {
            lastAnswerNanos = System.nanoTime();
        }
        Timer.builder(CALLS).description("Object store calls and their latency")
                .tags("store", storeTag, "operation", operation, "outcome", outcome)
                .register(registry)
                .record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void failed(String operation, Exception e, long startNanos) {
        if (e instanceof NoSuchObjectException) {
            record(operation, "not_found", startNanos);
        } else if (e instanceof ObjectAlreadyExistsException) {
            record(operation, "already_exists", startNanos);
        } else if (e instanceof io.etcdbackup.stores.ObjectLockedException) {
            record(operation, "locked", startNanos);
        } else {
            lastError = operation + ": " + e;
            lastErrorNanos = System.nanoTime();
            record(operation, "error", startNanos);
            Counter.builder(ERRORS).description("Object store calls that failed")
                    .tags("store", storeTag, "operation", operation,
                            "kind", TransientStoreException.isTransient(e) ? "transient" : "permanent")
                    .register(registry).increment();
        }
    }

    @Override
    public ObjectWriter create(String key, WriteMode mode) throws IOException {
        long start = System.nanoTime();
        ObjectWriter writer;
        try {
            writer = delegate.create(key, mode);
        } catch (IOException | RuntimeException e) {
            failed("write", e, start);
            throw e;
        }
        return new MeteredWriter(writer, start);
    }

    @Override
    public InputStream open(String key) throws IOException {
        return new CountingInputStream(timed("open", () -> delegate.open(key)));
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        return new CountingInputStream(timed("open", () -> delegate.open(key, offset, length)));
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        return timed("stat", () -> delegate.stat(key));
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
        return timed("list", () -> {
            ObjectIterator it = delegate.list(prefix);
            it.hasNext(); // the first page, so the timer measures a real round trip
            return it;
        });
    }

    @Override
    public void delete(String key) throws IOException {
        timed("delete", () -> {
            delegate.delete(key);
            return null;
        });
    }

    @Override
    public java.util.Map<String, String> labels(String key) throws IOException {
        return timed("labels", () -> delegate.labels(key));
    }

    @Override
    public String location() {
        return delegate.location();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    private final class MeteredWriter extends ObjectWriter {
        private final ObjectWriter delegateWriter;
        private final long start;
        private long written;
        private boolean recorded;

        MeteredWriter(ObjectWriter delegateWriter, long start) {
            this.delegateWriter = delegateWriter;
            this.start = start;
        }

        @Override
        public void write(int b) throws IOException {
            delegateWriter.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            delegateWriter.write(b, off, len);
            written += len;
        }

        @Override
        public void flush() throws IOException {
            delegateWriter.flush();
        }

        @Override
        public void close() throws IOException {
            try {
                delegateWriter.close();
            } catch (IOException | RuntimeException e) {
                if (!recorded) {
                    recorded = true;
                    failed("write", e, start);
                }
                throw e;
            }
            if (!recorded) {
                recorded = true;
                record("write", "success", start);
                bytesWritten.increment(written);
            }
        }

        @Override
        public void abort() {
            delegateWriter.abort();
            if (!recorded) {
                recorded = true;
                record("write", "aborted", start);
            }
        }
    }

    private final class CountingInputStream extends FilterInputStream {
        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                bytesRead.increment();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                bytesRead.increment(n);
            }
            return n;
        }
    }
}
