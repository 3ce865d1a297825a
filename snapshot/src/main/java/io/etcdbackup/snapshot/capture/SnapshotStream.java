package io.etcdbackup.snapshot.capture;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * etcd's {@code Maintenance.Snapshot} as an {@link InputStream} with gRPC flow control: at most
 * {@value #CHUNKS_IN_FLIGHT} chunks are requested ahead of the reader, so a slow store slows
 * etcd's sending instead of filling the heap, while a small window keeps the stream from waiting
 * a round trip per chunk. Exactly the bytes etcd sends, including its trailing SHA-256.
 */
final class SnapshotStream extends InputStream {

    /** Chunks (32 KiB each from etcd 3.4) requested ahead of the reader. */
    static final int CHUNKS_IN_FLIGHT = 16;
    private static final Object END = new Object();

    private final BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(CHUNKS_IN_FLIGHT + 2);
    private final Duration idleTimeout;
    private volatile ClientCallStreamObserver<SnapshotRequest> call;
    private ByteString current = ByteString.EMPTY;
    private int position;
    private boolean finished;

    private SnapshotStream(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    /**
     * Starts streaming a snapshot from the member behind {@code channel}.
     *
     * @param idleTimeout how long to wait for any chunk before giving up (not a limit on the
     *                    whole snapshot, which may take as long as the database needs)
     */
    static SnapshotStream open(ManagedChannel channel, Duration idleTimeout) {
        SnapshotStream stream = new SnapshotStream(idleTimeout);
        MaintenanceGrpc.newStub(channel).snapshot(SnapshotRequest.getDefaultInstance(),
                new ClientResponseObserver<SnapshotRequest, SnapshotResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<SnapshotRequest> requestStream) {
                        stream.call = requestStream;
                        requestStream.disableAutoRequestWithInitial(CHUNKS_IN_FLIGHT);
                    }

                    @Override
                    public void onNext(SnapshotResponse response) {
                        stream.chunks.add(response.getBlob());
                    }

                    @Override
                    public void onError(Throwable t) {
                        stream.chunks.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        stream.chunks.add(END);
                    }
                });
        return stream;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (position >= current.size()) {
            if (finished) {
                return -1;
            }
            next();
        }
        int n = Math.min(len, current.size() - position);
        current.copyTo(b, position, off, n);
        position += n;
        return n;
    }

    private void next() throws IOException {
        Object item;
        try {
            item = chunks.poll(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel("interrupted");
            throw new IOException("interrupted while reading the etcd snapshot stream", e);
        }
        if (item == null) {
            cancel("idle timeout");
            throw new IOException("etcd sent no snapshot data for " + idleTimeout.toSeconds() + " s");
        }
        if (item == END) {
            finished = true;
            return;
        }
        if (item instanceof Throwable t) {
            finished = true;
            throw new IOException("etcd snapshot stream failed: " + t.getMessage(), t);
        }
        current = (ByteString) item;
        position = 0;
        call.request(1);
    }

    private void cancel(String why) {
        ClientCallStreamObserver<SnapshotRequest> c = call;
        if (c != null && !finished) {
            c.cancel(why, null);
        }
        finished = true;
    }

    @Override
    public void close() {
        cancel("reader closed");
    }
}
