package io.etcdbackup.agent.lease;

/** Reads the local etcd member's {@link MemberState}. */
@FunctionalInterface
interface MemberProbe extends AutoCloseable {

    /**
     * Asks the member now.
     *
     * @throws RuntimeException when it does not answer
     */
    MemberState read();

    /** Releases the connection, if it holds one; nothing is read afterwards. */
    @Override
    default void close() {
    }
}
