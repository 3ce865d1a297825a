package io.etcdbackup.plugins.azure;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams one block blob. Bytes collect in a buffer of at most {@code blockSize}; each full buffer
 * is staged ({@code Put Block}) on a background thread, at most {@code blocksInFlight} at a time,
 * so memory stays below {@code (blocksInFlight + 1) x blockSize} whatever the object's size.
 * {@link #close()} commits the block list ({@code Put Block List}), which is what makes the blob
 * visible; an object that fits one buffer is sent with a single {@code Put Blob} instead. Both
 * carry {@code If-None-Match: *} for {@link WriteMode#IF_ABSENT}, so the service decides at
 * publish time.
 *
 * <p>{@link #abort()} stops staging and commits nothing. Azure has no call to discard uncommitted
 * blocks: they stay invisible and the service garbage-collects them after a week.
 */
final class AzureBlockWriter extends ObjectWriter {

    /** Azure's limit on committed blocks per blob. */
    static final int MAX_BLOCKS = 50_000;
    private static final int INITIAL_BUFFER = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(AzureBlockWriter.class);

    private final AzureObjectStore store;
    private final String key;
    private final BlockBlobClient blob;
    private final WriteMode mode;
    private final int blockSize;
    private final Semaphore inFlight;
    private final ExecutorService stagers;
    private final String uploadId = UUID.randomUUID().toString();
    private final List<String> blockIds = new ArrayList<>();
    private final List<Future<?>> staged = new ArrayList<>();
    private final AtomicReference<RuntimeException> stageFailure = new AtomicReference<>();
    private byte[] buffer = new byte[0];
    private int filled;
    private long total;
    private boolean finished;

    AzureBlockWriter(AzureObjectStore store, String key, BlockBlobClient blob, WriteMode mode,
                     AzureObjectStore.Settings settings, ExecutorService stagers) {
        this.store = store;
        this.key = key;
        this.blob = blob;
        this.mode = mode;
        this.blockSize = settings.blockSize();
        this.inFlight = new Semaphore(settings.blocksInFlight());
        this.stagers = stagers;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            if (filled == blockSize) {
                stageBuffer();
            }
            if (filled == buffer.length) {
                // Grow towards blockSize so that many small objects do not each hold a full block.
                buffer = Arrays.copyOf(buffer, Math.min(blockSize, Math.max(INITIAL_BUFFER, Math.max(buffer.length * 2, filled + len))));
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            total += n;
        }
    }

    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        long started = System.nanoTime();
        try {
            if (blockIds.isEmpty()) {
                BlockBlobSimpleUploadOptions upload = new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(Arrays.copyOf(buffer, filled)))
                        .setRequestConditions(conditions());
                blob.uploadWithResponse(upload, null, Context.NONE);
            } else {
                if (filled > 0) {
                    stageBuffer();
                }
                awaitStaged();
                BlockBlobCommitBlockListOptions commit = new BlockBlobCommitBlockListOptions(blockIds).setRequestConditions(conditions());
                blob.commitBlockListWithResponse(commit, null, Context.NONE);
            }
        } catch (RuntimeException e) {
            throw store.failure("create", key, e);
        } finally {
            buffer = null;
        }
        LOG.debug("published blob key={} location={} bytes={} blocks={} durationMs={}", key, store.location(), total,
                blockIds.size(), (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public void abort() {
        finished = true;
        buffer = null;
        for (Future<?> future : staged) {
            future.cancel(true);
        }
    }

    private BlobRequestConditions conditions() {
        return mode == WriteMode.IF_ABSENT ? new BlobRequestConditions().setIfNoneMatch("*") : null;
    }

    /** Hands the full buffer to a stager, waiting while {@code blocksInFlight} blocks are already in flight. */
    private void stageBuffer() throws IOException {
        rethrowStageFailure();
        if (blockIds.size() == MAX_BLOCKS) {
            throw new IOException("object '" + key + "' in " + store.location() + " exceeds Azure's " + MAX_BLOCKS
                    + " blocks of " + blockSize + " bytes; raise block-size");
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while staging '" + key + "'");
        }
        String blockId = blockId(blockIds.size());
        blockIds.add(blockId);
        BinaryData data = BinaryData.fromBytes(filled == buffer.length ? buffer : Arrays.copyOf(buffer, filled));
        long length = filled;
        buffer = new byte[0];
        filled = 0;
        try {
            staged.add(stagers.submit(() -> {
                try {
                    if (stageFailure.get() == null) {
                        blob.stageBlockWithResponse(new BlockBlobStageBlockOptions(blockId, data), null, Context.NONE);
                    }
                } catch (RuntimeException e) {
                    stageFailure.compareAndSet(null, e);
                } finally {
                    inFlight.release();
                }
                LOG.trace("staged block key={} bytes={}", key, length);
            }));
        } catch (RuntimeException e) {
            inFlight.release();
            throw new IOException("cannot stage a block of '" + key + "' in " + store.location() + ": " + e, e);
        }
        // Forget finished futures so a long upload keeps a short list.
        staged.removeIf(Future::isDone);
    }

    private void awaitStaged() throws IOException {
        for (Future<?> future : staged) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while staging '" + key + "'");
            } catch (ExecutionException | CancellationException e) {
                throw new IOException("staging a block of '" + key + "' in " + store.location() + " failed: " + e, e);
            }
        }
        staged.clear();
        rethrowStageFailure();
    }

    private void rethrowStageFailure() throws IOException {
        RuntimeException failure = stageFailure.get();
        if (failure != null) {
            throw store.failure("create", key, failure);
        }
    }

    /** Block ids must be base64 and all of one length within a blob; the upload id keeps writers apart. */
    private String blockId(int index) {
        String raw = uploadId + "-" + String.format("%08d", index);
        return Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.US_ASCII));
    }

    private void ensureOpen() throws IOException {
        if (finished) {
            throw new IOException("writer for '" + key + "' in " + store.location() + " is already closed or aborted");
        }
    }
}
