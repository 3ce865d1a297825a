package io.etcdbackup.stores.multipart;

import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.TransientStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An {@link ObjectWriter} that streams an object of unknown length through a
 * {@link MultipartTarget}. Bytes collect in a buffer of one part (it grows up to the part size,
 * so small objects stay small). An object that fits in one part, including one of exactly the
 * part size, is sent by {@link MultipartTarget#putWhole} at {@link #close()}. A larger one begins
 * a multipart upload once the first part is full and more bytes follow: each full part uploads on
 * the given pool while the caller keeps writing, at most {@code partsInFlight} at once (the caller
 * blocks when that many are in flight). Part buffers are reused, so at most
 * {@code partsInFlight + 1} buffers of the part size exist per writer.
 *
 * <p>A part failing with {@link TransientStoreException} is retried up to {@code partAttempts}
 * attempts in all, with a short growing pause; any other failure is reported by the next
 * {@code write} or by {@code close}. Any failure, and {@link #abort()}, waits for the parts in
 * flight and then aborts the upload, so no parts linger.
 *
 * <p>Like any {@link java.io.OutputStream}, one writer is used by one thread at a time.
 *
 * @param <P> the target's part receipt
 */
public final class MultipartObjectWriter<P> extends ObjectWriter {

    private static final Logger LOG = LoggerFactory.getLogger(MultipartObjectWriter.class);
    private static final int FIRST_BUFFER = 64 * 1024;
    private static final long BACKOFF_MILLIS = 200;

    private enum State { OPEN, CLOSED, ABORTED }

    private final String key;
    private final String location;
    private final MultipartTarget<P> target;
    private final int partSize;
    private final int maxParts;
    private final int partAttempts;
    private final ExecutorService uploads;
    private final Semaphore inFlight;
    private final Queue<byte[]> spareBuffers = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Throwable> partFailure = new AtomicReference<>();
    private final List<Future<P>> parts = new ArrayList<>();
    private byte[] buffer;
    private int filled;
    private boolean begun;
    private State state = State.OPEN;

    /**
     * @param key           the object key, for messages
     * @param location      the store's location, for messages (never credentials)
     * @param target        the backend calls for this one object
     * @param partSize      bytes per part; also the largest object sent by a single put
     * @param partsInFlight parts uploading at once; memory is {@code (partsInFlight + 1) * partSize}
     * @param maxParts      the most parts the backend accepts for one object
     * @param partAttempts  attempts per part for transient failures (1 = no retry)
     * @param uploads       the pool parts upload on; shared, not shut down by the writer
     */
    public MultipartObjectWriter(String key, String location, MultipartTarget<P> target, int partSize, int partsInFlight,
                                 int maxParts, int partAttempts, ExecutorService uploads) {
        if (partSize < 1 || partsInFlight < 1 || maxParts < 1 || partAttempts < 1) {
            throw new IllegalArgumentException("part size, parts in flight, max parts and part attempts must be positive, got "
                    + partSize + ", " + partsInFlight + ", " + maxParts + ", " + partAttempts);
        }
        this.key = Objects.requireNonNull(key, "key");
        this.location = Objects.requireNonNull(location, "location");
        this.target = Objects.requireNonNull(target, "target");
        this.uploads = Objects.requireNonNull(uploads, "uploads");
        this.partSize = partSize;
        this.maxParts = maxParts;
        this.partAttempts = partAttempts;
        this.inFlight = new Semaphore(partsInFlight);
        this.buffer = new byte[Math.min(partSize, FIRST_BUFFER)];
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (state != State.OPEN) {
            throw new IOException("writer for '" + key + "' in " + location + " is already closed or aborted");
        }
        try {
            while (len > 0) {
                if (filled == partSize) {
                    startPart(true); // only once more bytes follow: an object of exactly one part stays a single put
                }
                if (buffer == null) {
                    byte[] spare = spareBuffers.poll();
                    buffer = spare != null ? spare : new byte[partSize];
                } else if (filled == buffer.length) {
                    byte[] bigger = new byte[(int) Math.min(partSize, 2L * buffer.length)];
                    System.arraycopy(buffer, 0, bigger, 0, filled);
                    buffer = bigger;
                }
                int n = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (state != State.OPEN) {
            return;
        }
        state = State.CLOSED;
        try {
            if (!begun) {
                target.putWhole(buffer, filled);
            } else {
                if (filled > 0) {
                    startPart(false);
                }
                List<P> receipts = new ArrayList<>(parts.size());
                for (Future<P> part : parts) {
                    receipts.add(await(part));
                }
                target.complete(receipts);
                begun = false; // published: nothing left to abort
            }
        } catch (IOException | RuntimeException e) {
            abortUpload();
            throw e;
        } finally {
            release();
        }
    }

    @Override
    public void abort() {
        if (state != State.OPEN) {
            return; // published, or already discarded by a failed close
        }
        state = State.ABORTED;
        abortUpload();
        release();
    }

    /**
     * Hands the buffer to the upload pool; {@code buffer} is null afterwards. With {@code more},
     * at least one part follows this one, so the limit is checked for that one too (fail early).
     */
    private void startPart(boolean more) throws IOException {
        int number = parts.size() + 1;
        if ((more ? number + 1 : number) > maxParts) {
            throw new IOException("object '" + key + "' in " + location + " needs more than " + maxParts + " parts of "
                    + partSize + " bytes; raise the store's part size");
        }
        throwIfPartFailed();
        if (!begun) {
            target.begin();
            begun = true;
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to upload part " + number + " of '" + key + "'");
        }
        byte[] data = buffer;
        int length = filled;
        try {
            parts.add(uploads.submit(() -> upload(number, data, length)));
        } catch (RejectedExecutionException e) {
            inFlight.release();
            throw new IOException("cannot start uploading part " + number + " of '" + key + "' in " + location + ": " + e, e);
        }
        buffer = null;
        filled = 0;
        throwIfPartFailed();
    }

    private P upload(int number, byte[] data, int length) throws IOException, InterruptedException {
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    return target.uploadPart(number, data, length);
                } catch (TransientStoreException e) {
                    if (attempt >= partAttempts) {
                        throw e;
                    }
                    Thread.sleep(BACKOFF_MILLIS * attempt);
                }
            }
        } catch (Throwable t) {
            partFailure.compareAndSet(null, t);
            throw t;
        } finally {
            // Back to the pool before the permit: the writer then finds a spare instead of allocating.
            spareBuffers.add(data);
            inFlight.release();
        }
    }

    /** Surfaces a failed part at the next part boundary rather than only at close. */
    private void throwIfPartFailed() throws IOException {
        Throwable failure = partFailure.get();
        if (failure != null) {
            throw asIOException(failure);
        }
    }

    private P await(Future<P> part) throws IOException {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading parts of '" + key + "'");
        } catch (ExecutionException e) {
            throw asIOException(e.getCause());
        }
    }

    private IOException asIOException(Throwable failure) {
        if (failure instanceof IOException io) {
            return io;
        }
        return new IOException("uploading a part of '" + key + "' in " + location + " failed: " + failure, failure);
    }

    /** Waits for the parts in flight, then aborts the multipart upload if one was begun. Never throws. */
    private void abortUpload() {
        for (Future<P> part : parts) {
            try {
                part.get();
            } catch (ExecutionException | RuntimeException e) {
                // the upload is being abandoned anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        parts.clear();
        if (!begun) {
            return;
        }
        begun = false;
        try {
            target.abort();
        } catch (RuntimeException e) {
            LOG.warn("could not abort upload location={} key={} error=\"{}\"", location, key, e.toString(), e);
        }
    }

    private void release() {
        buffer = null;
        filled = 0;
        spareBuffers.clear();
    }
}
