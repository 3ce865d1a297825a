package io.etcdbackup.restore;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcdbackup.snapshot.EtcdBackupException;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one transaction per source revision with several in flight, and never lets one apply
 * out of order. A replay is bounded by round trips, not by etcd, so waiting for each answer
 * before sending the next wastes most of the time; but etcd may serve concurrent requests in
 * another order than they were sent.
 *
 * <p>Each transaction for revision {@code r} whose predecessor put a key {@code k} carries the
 * compare {@code mod_revision(k) == r - 1}: it holds exactly when revision {@code r - 1} has been
 * applied and nothing after it (every later transaction is guarded on its own predecessor, so
 * none can apply before {@code r}). A transaction that overtook its predecessor fails its compare
 * and writes nothing; it and every one sent after it (whose guards then fail too) are sent again
 * in order. A revision whose predecessor put nothing (deletes only, or the base snapshot) has no
 * key to guard on: it is sent only when nothing else is in flight.
 *
 * <p>Transactions go out in rounds: up to {@code window} are sent, then all are awaited. etcd's
 * gRPC server runs each request in a goroutine of its own, and Go's scheduler tends to run the
 * newest first; with a sliding window every new request may overtake the queued ones, and each
 * overtaking costs every transaction behind it. A round's requests arrive together, so few
 * overtake (measured in docs/performance.md, "Replay": rounds of 32 to an etcd limited to one
 * scheduler thread send about 1 in 10 again, a sliding window more than 1 per revision).
 */
final class OrderedTxnPipeline {

    private static final long ANSWER_TIMEOUT_MINUTES = 10;

    private record InFlight(String segment, long revision, TxnRequest request, ListenableFuture<TxnResponse> answer) {
    }

    private final KVGrpc.KVFutureStub kv;
    private final int window;
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private long confirmed;
    private long resent;

    /**
     * @param window    transactions in flight at most (1: one at a time)
     * @param confirmed the server's current revision
     */
    OrderedTxnPipeline(KVGrpc.KVFutureStub kv, int window, long confirmed) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        this.kv = kv;
        this.window = window;
        this.confirmed = confirmed;
    }

    /**
     * Sends the transaction of source revision {@code revision}; returns once it is in flight.
     *
     * @param guardKey a key the previous revision put, or null when it put none (then this waits
     *                 until every transaction in flight is answered)
     * @throws RevisionMismatchException if an answered transaction applied at another revision
     */
    void send(String segment, long revision, List<RequestOp> ops, ByteString guardKey) {
        if (guardKey == null) {
            drain();
        }
        TxnRequest.Builder request = TxnRequest.newBuilder().addAllSuccess(ops);
        if (guardKey != null) {
            request.addCompare(Compare.newBuilder().setKey(guardKey).setTarget(Compare.CompareTarget.MOD)
                    .setResult(Compare.CompareResult.EQUAL).setModRevision(revision - 1));
        }
        if (inFlight.size() >= window) {
            drain(); // in rounds: see the class comment
        }
        TxnRequest built = request.build();
        inFlight.addLast(new InFlight(segment, revision, built, kv.txn(built)));
    }

    /** Waits until every transaction sent is applied (sending again those that were overtaken). */
    void drain() {
        while (!inFlight.isEmpty()) {
            completeOldest();
        }
    }

    /** The revision of the newest transaction known applied. */
    long confirmed() {
        return confirmed;
    }

    /** Transactions sent again because they overtook their predecessor. */
    long resent() {
        return resent;
    }

    private void completeOldest() {
        InFlight oldest = inFlight.removeFirst();
        TxnResponse answer = await(oldest);
        if (answer.getSucceeded()) {
            confirm(oldest, answer);
            return;
        }
        // Overtaken: nothing sent after it can have applied either (each is guarded on its predecessor).
        List<InFlight> again = new ArrayList<>();
        again.add(oldest);
        while (!inFlight.isEmpty()) {
            InFlight later = inFlight.removeFirst();
            TxnResponse laterAnswer = await(later);
            if (laterAnswer.getSucceeded()) {
                throw new RevisionMismatchException("revision " + later.revision() + " of " + later.segment()
                        + " (applied although revision " + oldest.revision() + " was not)", later.revision(),
                        laterAnswer.getHeader().getRevision());
            }
            again.add(later);
        }
        for (InFlight retry : again) {
            resent++;
            inFlight.addLast(new InFlight(retry.segment(), retry.revision(), retry.request(), kv.txn(retry.request())));
        }
    }

    private void confirm(InFlight sent, TxnResponse answer) {
        long actual = answer.getHeader().getRevision();
        if (actual != sent.revision()) {
            throw new RevisionMismatchException("revision " + sent.revision() + " of " + sent.segment(), sent.revision(), actual);
        }
        confirmed = actual;
    }

    private static TxnResponse await(InFlight sent) {
        try {
            return sent.answer().get(ANSWER_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw new EtcdBackupException("replaying revision " + sent.revision() + " of " + sent.segment() + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new EtcdBackupException("no answer for revision " + sent.revision() + " of " + sent.segment()
                    + " within " + ANSWER_TIMEOUT_MINUTES + " minutes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("interrupted while replaying revision " + sent.revision()));
        }
    }
}
