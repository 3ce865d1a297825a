package io.etcdbackup.agent.member;

import io.etcdbackup.snapshot.EtcdBackupException;

/**
 * The etcd config template does not fit this member (no entry for it where one is needed, or a
 * placeholder it cannot fill). A deployment problem, not a bad request: the same template and
 * member always fail the same way, so render once at start-up to find out early.
 */
public final class ConfigRenderException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;

    public ConfigRenderException(String message) {
        super(message);
    }
}
