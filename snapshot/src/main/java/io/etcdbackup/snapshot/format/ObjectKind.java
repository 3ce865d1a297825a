package io.etcdbackup.snapshot.format;

/** What a snapshot object holds. */
public enum ObjectKind {
    /** An etcd database snapshot (bbolt file with etcd's trailing SHA-256). */
    FULL,
    /** Whole revisions of watch events, as length-delimited {@code mvccpb.Event} records. */
    DELTA
}
