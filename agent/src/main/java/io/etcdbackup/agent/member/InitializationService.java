package io.etcdbackup.agent.member;

import io.etcdbackup.agent.lifecycle.StartResult;
import io.etcdbackup.agent.metrics.BackupMetrics;
import io.etcdbackup.restore.RestoreProgress;
import io.etcdbackup.restore.init.InitializationOutcome;
import io.etcdbackup.restore.init.InitializationRequest;
import io.etcdbackup.restore.init.Initializer;
import io.etcdbackup.restore.init.ValidationMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.function.Function;

/**
 * The reference's initialization protocol for the etcd wrapper: {@link #start} validates (and if
 * needed restores) the data directory in the background; {@link #status()} reports {@code New},
 * {@code Progress}, {@code Successful} or {@code Failed}, and reading a finished state resets
 * it to {@code New}, as the reference does, so the next start begins afresh.
 *
 * <p>With the member reconciler ({@code --service-endpoints}), a start runs the reconciler's
 * start ({@link io.etcdbackup.agent.lifecycle.MemberStartup}): join, rejoin, or prepare the data
 * dir when no member answers; its decision also tells {@code /config} which
 * {@code initial-cluster-state} and {@code initial-cluster} etcd must use ({@link #lastStart()}).
 */
public final class InitializationService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InitializationService.class);

    /** The reference's states, spelled as its controller expects. */
    public enum State {
        New, Progress, Successful, Failed
    }

    /** The member reconciler's start for a validation mode; {@link io.etcdbackup.agent.lifecycle.MemberStartup} in production. */
    @FunctionalInterface
    public interface MemberStart {
        StartResult start(ValidationMode mode) throws InterruptedException;
    }

    /**
     * How the last initialization ended.
     *
     * @param decision   the initializer's or the reconciler's decision
     * @param successful whether etcd may start
     * @param reason     why
     * @param start      the reconciler's result, when it ran (what etcd must start with)
     */
    public record Finished(String decision, boolean successful, String reason, Optional<StartResult> start) {
    }

    private final Initializer initializer;
    private final Function<ValidationMode, InitializationRequest> requests;
    private final Optional<MemberStart> reconciled;
    private final BackupMetrics metrics;
    private State state = State.New;
    private Finished last;
    private Thread running;

    /**
     * @param requests   what to initialize, per validation mode (the data dir and membership)
     * @param reconciled the reconciler's start, which then runs instead of the bare initializer
     */
    public InitializationService(Initializer initializer, Function<ValidationMode, InitializationRequest> requests,
                                 Optional<MemberStart> reconciled, BackupMetrics metrics) {
        this.initializer = initializer;
        this.requests = requests;
        this.reconciled = reconciled;
        this.metrics = metrics;
    }

    /**
     * Starts an initialization in the background unless one is running.
     *
     * @return false when one was already in progress (nothing new started)
     */
    public synchronized boolean start(ValidationMode mode) {
        if (state == State.Progress) {
            return false;
        }
        InitializationRequest request = requests.apply(mode);
        state = State.Progress;
        running = new Thread(() -> {
            if (reconciled.isEmpty()) {
                InitializationOutcome outcome = initializer.initialize(request);
                finished(new Finished(outcome.decision().name(), outcome.successful(), outcome.reason(), Optional.empty()), Optional.of(outcome));
                return;
            }
            try {
                StartResult result = reconciled.get().start(mode);
                finished(new Finished(result.decision(), result.successful(), result.reason(), Optional.of(result)), result.prepared());
            } catch (InterruptedException e) {
                finished(new Finished("INTERRUPTED", false, "interrupted before it finished; the data dir was left as it was",
                        Optional.empty()), Optional.empty());
            }
        }, "initialization");
        running.setDaemon(true);
        running.start();
        LOG.info("initialization started mode={} data_dir={}", mode, request.target().dataDir());
        return true;
    }

    private synchronized void finished(Finished finished, Optional<InitializationOutcome> prepared) {
        last = finished;
        state = finished.successful() ? State.Successful : State.Failed;
        prepared.ifPresent(outcome -> {
            metrics.validated(outcome.validationTook(), outcome.verdict().isPresent());
            if (outcome.decision() == InitializationOutcome.Decision.RESTORE) {
                metrics.restored(outcome.took().minus(outcome.validationTook()), outcome.successful());
            }
        });
        LOG.info("initialization finished decision={} successful={} reason=\"{}\"", finished.decision(), finished.successful(),
                finished.reason());
    }

    /** The current state; a finished state is reported once, then the state is {@code New} again. */
    public synchronized State status() {
        State current = state;
        if (current == State.Successful || current == State.Failed) {
            state = State.New;
        }
        return current;
    }

    /** The current state without resetting a finished one (for status pages). */
    public synchronized State peek() {
        return state;
    }

    /** How far the restore of the running (or last) initialization has come. */
    public RestoreProgress.Snapshot restoreProgress() {
        return initializer.progress().snapshot();
    }

    /** How the last initialization ended, if one did (kept after status resets). */
    public synchronized Optional<Finished> lastOutcome() {
        return Optional.ofNullable(last);
    }

    /** The reconciler's last successful start: what etcd must start with. */
    public synchronized Optional<StartResult> lastStart() {
        return Optional.ofNullable(last).filter(Finished::successful).flatMap(Finished::start);
    }

    /** Interrupts a running initialization (its restore stops and leaves the data dir as it was). */
    @Override
    public synchronized void close() {
        if (running != null && running.isAlive()) {
            running.interrupt();
        }
    }
}
