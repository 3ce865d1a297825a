package io.etcdbackup.snapshot.capture;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Moves chunks from a reading thread to a writing thread, so that reading (and checking etcd's
 * hash) overlaps with compressing, checksumming and uploading. Memory is fixed: a pool of
 * {@code chunks} buffers circulates between the two threads; the reader blocks when all are in
 * use, which in turn holds back etcd's stream through gRPC flow control.
 */
final class ChunkPipeline implements AutoCloseable {

    private record Chunk(byte[] data, int length) {
    }

    private static final Chunk END = new Chunk(new byte[0], -1);

    private final OutputStream target;
    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<Chunk> full;
    private final Thread writer;
    private volatile IOException failure;

    ChunkPipeline(OutputStream target, int chunks, int chunkSize, String threadName) {
        this.target = target;
        this.free = new ArrayBlockingQueue<>(chunks);
        this.full = new ArrayBlockingQueue<>(chunks + 1);
        for (int i = 0; i < chunks; i++) {
            free.add(new byte[chunkSize]);
        }
        this.writer = new Thread(this::drain, threadName);
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** A free buffer to read into; blocks while every buffer is in flight. */
    byte[] borrow() throws IOException {
        rethrow();
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a free snapshot buffer");
        }
    }

    /** Hands {@code length} bytes of a borrowed buffer to the writer. */
    void send(byte[] buffer, int length) throws IOException {
        rethrow();
        put(new Chunk(buffer, length));
    }

    /** Gives back a borrowed buffer unused. */
    void giveBack(byte[] buffer) {
        free.offer(buffer);
    }

    /** Waits until everything sent is written; rethrows the writer's failure. */
    void finish() throws IOException {
        put(END);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while finishing the snapshot upload");
        }
        rethrow();
    }

    /** Stops the writer without writing what is queued (the caller then aborts the object). */
    @Override
    public void close() {
        writer.interrupt();
        try {
            writer.join(10_000); // no write may race the caller's abort
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void put(Chunk chunk) throws IOException {
        try {
            full.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing a snapshot chunk to the writer");
        }
    }

    private void drain() {
        try {
            while (true) {
                Chunk chunk = full.take();
                if (chunk == END) {
                    return;
                }
                if (failure == null) {
                    try {
                        target.write(chunk.data(), 0, chunk.length());
                    } catch (IOException e) {
                        failure = e;
                    } catch (RuntimeException e) {
                        failure = new IOException(e.toString(), e);
                    }
                }
                free.offer(chunk.data()); // after a failure keep draining so the reader never blocks
            }
        } catch (InterruptedException e) {
            if (failure == null) {
                failure = new InterruptedIOException("snapshot upload interrupted");
            }
        }
    }

    private void rethrow() throws IOException {
        IOException f = failure;
        if (f != null) {
            throw f;
        }
    }
}
