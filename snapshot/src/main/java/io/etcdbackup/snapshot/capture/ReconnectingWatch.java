package io.etcdbackup.snapshot.capture;

import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Delta capture's watch on the whole keyspace, kept open: when the stream fails, ends or etcd
 * cancels it, it is reopened after a backoff (250 ms doubling up to 30 s) from the revision the
 * owner names, so nothing is skipped; revisions delivered twice are the owner's to drop.
 *
 * <p>Contract: responses reach {@link Handler#onResponse} on a gRPC thread, one at a time (flow
 * control stays with the owner: {@link WatchStream#requestNext()}). After {@link #close()}, or
 * once {@link Handler#resumeFrom()} is empty, the watch stays closed. Reconnects run on the
 * scheduler given; one that is shut down ends reconnecting.
 */
final class ReconnectingWatch {

    private static final Logger LOG = LoggerFactory.getLogger(ReconnectingWatch.class);
    private static final long MAX_DELAY_MS = 30_000;
    /** Repeated failures are logged at most this often. */
    private static final Duration FAILURE_LOG_INTERVAL = Duration.ofSeconds(30);

    /** The owner of the watch. */
    interface Handler {
        /** The first revision to watch from when (re)opening; empty: stay closed (capture ended). */
        OptionalLong resumeFrom();

        /**
         * A response, on a gRPC thread: events, progress, or the compaction that broke the watch
         * ({@code compactRevision > 0}; the handler closes the stream). Other cancellations are
         * failures, handled here.
         */
        void onResponse(WatchStream stream, WatchResponse response);
    }

    private final ManagedChannel channel;
    private final ScheduledExecutorService scheduler;
    private final String generation;
    private final Clock clock;
    private final Handler handler;
    private final Object lock = new Object();
    private volatile WatchStream current;
    private int attempts;
    private boolean closed;
    private Instant lastFailureLogged = Instant.EPOCH;

    ReconnectingWatch(ManagedChannel channel, ScheduledExecutorService scheduler, String generation, Clock clock, Handler handler) {
        this.channel = channel;
        this.scheduler = scheduler;
        this.generation = generation;
        this.clock = clock;
        this.handler = handler;
    }

    /** Opens the watch from {@link Handler#resumeFrom()}, unless closed or empty. */
    void open() {
        synchronized (lock) {
            if (closed) {
                return;
            }
        }
        OptionalLong from = handler.resumeFrom();
        if (from.isEmpty()) {
            return;
        }
        current = WatchStream.open(channel, from.getAsLong(), new WatchStream.Handler() {
            @Override
            public void onResponse(WatchStream stream, WatchResponse response) {
                // A watch behind compaction is cancelled carrying the compact revision: the handler's to decide.
                if (response.getCanceled() && response.getCompactRevision() == 0) {
                    onFailure(stream, new IllegalStateException("etcd cancelled the watch: " + response.getCancelReason()));
                    return;
                }
                synchronized (lock) {
                    attempts = 0;
                }
                handler.onResponse(stream, response);
            }

            @Override
            public void onFailure(WatchStream stream, Throwable error) {
                failed(stream, error);
            }
        });
    }

    /** Stops watching for good. */
    void close() {
        synchronized (lock) {
            closed = true;
        }
        WatchStream stream = current;
        if (stream != null) {
            stream.close();
        }
    }

    private void failed(WatchStream stream, Throwable error) {
        if (stream != current) {
            return;
        }
        stream.close();
        int attempt;
        boolean log;
        synchronized (lock) {
            if (closed) {
                return;
            }
            attempt = ++attempts;
            Instant now = clock.instant();
            log = Duration.between(lastFailureLogged, now).compareTo(FAILURE_LOG_INTERVAL) >= 0;
            if (log) {
                lastFailureLogged = now;
            }
        }
        long delayMs = Math.min(MAX_DELAY_MS, 250L << Math.min(attempt, 7));
        if (log) {
            LOG.warn("delta watch failed, reconnecting generation={} delay_ms={} attempt={}", generation, delayMs, attempt, error);
        }
        try {
            scheduler.schedule(this::open, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shutDown) {
            // the owner stopped meanwhile
        }
    }
}
