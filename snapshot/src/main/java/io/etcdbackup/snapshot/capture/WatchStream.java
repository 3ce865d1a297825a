package io.etcdbackup.snapshot.capture;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * A watch on the whole keyspace from a revision, over etcd's raw gRPC Watch service with manual
 * flow control: one response is in flight at a time and the next is requested only through
 * {@link #requestNext()}, so the consumer decides when memory allows more.
 */
final class WatchStream {

    /** Receives what the watch delivers, on a gRPC thread. */
    interface Handler {
        /** A response with events, a progress notification, or the creation acknowledgement. */
        void onResponse(WatchStream stream, WatchResponse response);

        /** The stream ended with an error, or etcd cancelled the watch. */
        void onFailure(WatchStream stream, Throwable error);
    }

    private static final ByteString ALL_KEYS = ByteString.copyFrom(new byte[] {0});

    private volatile ClientCallStreamObserver<WatchRequest> call;
    private volatile boolean closed;

    private WatchStream() {
    }

    static WatchStream open(ManagedChannel channel, long fromRevision, Handler handler) {
        WatchStream stream = new WatchStream();
        ClientResponseObserver<WatchRequest, WatchResponse> observer = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                stream.call = requestStream;
                requestStream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(WatchResponse response) {
                if (!stream.closed) {
                    handler.onResponse(stream, response);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (!stream.closed) {
                    handler.onFailure(stream, t);
                }
            }

            @Override
            public void onCompleted() {
                if (!stream.closed) {
                    handler.onFailure(stream, new IllegalStateException("etcd closed the watch stream"));
                }
            }
        };
        WatchGrpc.newStub(channel).watch(observer).onNext(WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder()
                        .setKey(ALL_KEYS)
                        .setRangeEnd(ALL_KEYS)
                        .setStartRevision(fromRevision)
                        .setProgressNotify(true))
                .build());
        return stream;
    }

    /** Lets the next response through. */
    void requestNext() {
        if (!closed) {
            call.request(1);
        }
    }

    boolean isClosed() {
        return closed;
    }

    void close() {
        if (!closed) {
            closed = true;
            call.cancel("watch closed by the agent", null);
        }
    }
}
