package io.etcdbackup.snapshot.capture;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkPipelineTest {

    @Test
    void everyChunkArrivesInOrderThroughAFixedPoolOfBuffers() throws IOException {
        byte[] source = new byte[3_000_000];
        new Random(1).nextBytes(source);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (ChunkPipeline pipeline = new ChunkPipeline(sink, 3, 64 * 1024, "test-writer")) {
            int at = 0;
            while (at < source.length) {
                byte[] buffer = pipeline.borrow();
                int n = Math.min(buffer.length - 7, source.length - at); // partial chunks too
                System.arraycopy(source, at, buffer, 0, n);
                pipeline.send(buffer, n);
                at += n;
            }
            pipeline.finish();
        }
        assertThat(sink.toByteArray()).isEqualTo(source);
    }

    @Test
    void aWriterFailureReachesTheReaderWithoutDeadlock() {
        OutputStream failing = new OutputStream() {
            private int writes;

            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes == 2) {
                    throw new IOException("store refused the part");
                }
            }
        };
        assertThatThrownBy(() -> {
            try (ChunkPipeline pipeline = new ChunkPipeline(failing, 2, 1024, "test-writer")) {
                for (int i = 0; i < 100; i++) {
                    byte[] buffer = pipeline.borrow();
                    pipeline.send(buffer, buffer.length);
                }
                pipeline.finish();
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("store refused the part");
    }
}
