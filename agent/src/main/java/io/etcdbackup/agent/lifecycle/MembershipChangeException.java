package io.etcdbackup.agent.lifecycle;

/** etcd refused or could not make a membership change; the message says which and why. */
public final class MembershipChangeException extends RuntimeException {

    private final boolean retryable;

    /**
     * @param retryable whether asking again later may succeed (a learner still catching up,
     *                  another learner in the way, no leader now)
     */
    public MembershipChangeException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether asking again later may succeed. */
    public boolean retryable() {
        return retryable;
    }
}
