package io.etcdbackup.restore.bolt;

import java.io.IOException;

/** Receives the records of {@link EtcdBackendFile#forEachRevision}, one at a time. */
@FunctionalInterface
public interface RevisionVisitor {

    /**
     * Called once per record, in ascending revision order. An exception stops the walk and is
     * thrown by {@code forEachRevision}.
     */
    void visit(RevisionRecord record) throws IOException;
}
