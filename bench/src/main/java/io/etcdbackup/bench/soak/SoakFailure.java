package io.etcdbackup.bench.soak;

/** The soak stopped: a pod could not start, or the cluster did not heal in time. The message ends with the relevant logs. */
public final class SoakFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SoakFailure(String what, Throwable cause, String logs) {
        super(what + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()) + (logs.isEmpty() ? "" : "\n" + logs),
                cause);
    }
}
