package io.etcdbackup.plugins.gcs;

import com.google.cloud.WriteChannel;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Streams one object through a resumable upload. This writer buffers nothing itself: bytes go
 * straight to the SDK's {@link WriteChannel}, which holds at most one chunk ({@code chunkSize})
 * before sending it, so memory is bounded by the chunk size. The object becomes visible only when
 * {@link #close()} finalizes the upload; with {@code ifGenerationMatch=0} GCS refuses (412) if the
 * key is taken by then.
 *
 * <p>{@link #abort()} drops the channel without closing it (closing would publish). The Java
 * client cannot cancel a resumable session; the unfinished session is invisible and GCS
 * discards it after a week.
 */
final class GcsWriter extends ObjectWriter {

    private static final Logger LOG = LoggerFactory.getLogger(GcsWriter.class);

    private final GcsObjectStore store;
    private final String key;
    private final WriteChannel channel;
    private final ObjectAlreadyExistsException refused;
    private long total;
    private boolean finished;

    GcsWriter(GcsObjectStore store, String key, WriteChannel channel) {
        this(store, key, channel, null);
    }

    private GcsWriter(GcsObjectStore store, String key, WriteChannel channel, ObjectAlreadyExistsException refused) {
        this.store = store;
        this.key = key;
        this.channel = channel;
        this.refused = refused;
    }

    /** A writer whose conditional create was already refused: it discards bytes and fails on close. */
    static GcsWriter refused(GcsObjectStore store, String key, ObjectAlreadyExistsException refused) {
        return new GcsWriter(store, key, null, refused);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("writer for '" + key + "' in " + store.location() + " is already closed or aborted");
        }
        Objects.checkFromIndexSize(off, len, b.length);
        total += len;
        if (channel == null) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException | RuntimeException e) {
            throw store.failure("create", key, e);
        }
    }

    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        if (refused != null) {
            throw refused;
        }
        long started = System.nanoTime();
        try {
            channel.close();
        } catch (IOException | RuntimeException e) {
            throw store.failure("create", key, e);
        }
        LOG.debug("published object key={} location={} bytes={} durationMs={}", key, store.location(), total,
                (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public void abort() {
        if (!finished) {
            LOG.debug("aborted upload key={} location={} bytes={} (session left to expire)", key, store.location(), total);
        }
        finished = true;
    }
}
