package io.etcdbackup.agent.member;

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
 */
public final class InitializationService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InitializationService.class);

    /** The reference's states, spelled as its controller expects. */
    public enum State {
        New, Progress, Successful, Failed
    }

    private final Initializer initializer;
    private final Function<ValidationMode, InitializationRequest> requests;
    private final BackupMetrics metrics;
    private State state = State.New;
    private InitializationOutcome last;
    private Thread running;

    /**
     * @param requests what to initialize, per validation mode (the data dir and membership)
     */
    public InitializationService(Initializer initializer, Function<ValidationMode, InitializationRequest> requests,
                                 BackupMetrics metrics) {
        this.initializer = initializer;
        this.requests = requests;
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
        running = new Thread(() -> finished(initializer.initialize(request)), "initialization");
        running.setDaemon(true);
        running.start();
        LOG.info("initialization started mode={} data_dir={}", mode, request.target().dataDir());
        return true;
    }

    private synchronized void finished(InitializationOutcome outcome) {
        last = outcome;
        state = outcome.successful() ? State.Successful : State.Failed;
        metrics.validated(outcome.validationTook(), outcome.verdict().isPresent());
        if (outcome.decision() == InitializationOutcome.Decision.RESTORE) {
            metrics.restored(outcome.took().minus(outcome.validationTook()), outcome.successful());
        }
        LOG.info("initialization finished decision={} successful={} reason=\"{}\"", outcome.decision(), outcome.successful(),
                outcome.reason());
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

    /** The outcome of the last finished initialization, if any (kept after status resets). */
    public synchronized Optional<InitializationOutcome> lastOutcome() {
        return Optional.ofNullable(last);
    }

    /** Interrupts a running initialization (its restore stops and leaves the data dir as it was). */
    @Override
    public synchronized void close() {
        if (running != null && running.isAlive()) {
            running.interrupt();
        }
    }
}
