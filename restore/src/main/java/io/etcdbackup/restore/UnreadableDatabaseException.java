package io.etcdbackup.restore;

import io.etcdbackup.snapshot.EtcdBackupException;

import java.nio.file.Path;

/**
 * etcd's own tool ran and could not read a database file (bbolt refused to open it, or walking its
 * pages failed): the file is damaged. Not thrown when the tool could not be run at all.
 */
public final class UnreadableDatabaseException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final transient Path database;
    private final String toolOutput;

    public UnreadableDatabaseException(Path database, String toolOutput) {
        super("database " + database + " is unreadable: " + toolOutput);
        this.database = database;
        this.toolOutput = toolOutput;
    }

    /** The database file. */
    public Path database() {
        return database;
    }

    /** What the tool said, shortened to the lines that explain the failure. */
    public String toolOutput() {
        return toolOutput;
    }
}
