package io.etcdbackup.plugins.gcs;

import com.google.cloud.RestorableState;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.conformance.GeneratedBytes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GCS writer's memory bound, shown by counting bytes. Limit of what can be shown here: the
 * only GCS stand-in (LocalStorageHelper) keeps every object in this JVM's heap, so a 1 GiB
 * upload at -Xmx256m cannot run against it. Instead this proves that our writer holds no bytes:
 * every byte written to it has reached the SDK's channel before {@code write} returns, and the
 * channel is told the configured chunk size (the SDK buffers at most one chunk before sending).
 * A >1 GiB upload at -Xmx256m against real GCS is GcsRealBucketIT's large test (opt-in).
 */
final class GcsWriterStreamingTest {

    private static final int CHUNK = 256 * 1024;

    @Test
    void writerPassesEveryByteThroughAndSetsTheChunkSize() throws Exception {
        List<CountingChannel> channels = new ArrayList<>();
        GcsObjectStore store = storeRecording(channels, "stream");
        GeneratedBytes data = new GeneratedBytes(7, 5L * CHUNK + 333);
        ObjectWriter writer = store.create("obj", WriteMode.OVERWRITE);
        long written = 0;
        byte[] piece = new byte[10_000];
        while (written < data.length()) {
            int n = (int) Math.min(piece.length, data.length() - written);
            byte[] slice = data.slice(written, n);
            writer.write(slice, 0, n);
            written += n;
            // Nothing stays in our writer: the channel has seen every byte already.
            assertThat(channels.get(0).received).isEqualTo(written);
        }
        writer.close();

        assertThat(channels).hasSize(1);
        assertThat(channels.get(0).chunkSize).isEqualTo(CHUNK);
        assertThat(channels.get(0).closed).isTrue();
        try (InputStream in = store.open("obj")) {
            GeneratedBytes.Digest read = GeneratedBytes.digest(in);
            assertThat(read.length()).isEqualTo(data.length());
            assertThat(read.sha256Hex()).isEqualTo(data.sha256Hex());
        }
    }

    @Test
    void abortNeverClosesTheChannel() throws Exception {
        List<CountingChannel> channels = new ArrayList<>();
        GcsObjectStore store = storeRecording(channels, "abort");
        ObjectWriter writer = store.create("obj", WriteMode.OVERWRITE);
        writer.write(new byte[1000]);
        writer.abort();

        // Closing a resumable upload finalizes it (publishes); abort must never do that.
        assertThat(channels.get(0).closed).isFalse();
        assertThat(channels.get(0).received).isEqualTo(1000);
    }

    /** A WriteChannel that forwards to the SDK's and counts what it was given. */
    private static final class CountingChannel implements WriteChannel {
        private final WriteChannel delegate;
        long received;
        int chunkSize = -1;
        boolean closed;

        CountingChannel(WriteChannel delegate) {
            this.delegate = delegate;
        }

        @Override
        public void setChunkSize(int chunkSize) {
            this.chunkSize = chunkSize;
            delegate.setChunkSize(chunkSize);
        }

        @Override
        public RestorableState<WriteChannel> capture() {
            return delegate.capture();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = delegate.write(src);
            received += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() throws IOException {
            closed = true;
            delegate.close();
        }
    }

    /** A store on the in-memory fake under {@code prefix} that adds every upload channel it opens to {@code channels}. */
    private static GcsObjectStore storeRecording(List<CountingChannel> channels, String prefix) {
        Storage fake = LocalStorageHelper.getOptions().getService();
        return new GcsObjectStore(fake, "bucket", prefix, new GcsObjectStore.Settings(CHUNK, 1000),
                (info, options) -> {
                    CountingChannel channel = new CountingChannel(fake.writer(info, options));
                    channels.add(channel);
                    return channel;
                });
    }

}
