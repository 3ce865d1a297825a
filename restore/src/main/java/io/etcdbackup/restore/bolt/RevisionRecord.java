package io.etcdbackup.restore.bolt;

import com.google.protobuf.ByteString;

/**
 * One record of etcd's {@code key} bucket: a key as written (or deleted) at one revision. The
 * value is not held; {@link EtcdBackendFile#read} reads it when needed.
 *
 * @param mainRevision the revision of the transaction that wrote it
 * @param subRevision  its position within that transaction, from 0
 * @param tombstone    whether it records the key's deletion (its value then holds only the key)
 * @param key          the etcd key
 * @param valueOffset  the file offset of its value, an {@code mvccpb.KeyValue}
 * @param valueLength  the length of its value in bytes
 */
public record RevisionRecord(long mainRevision, long subRevision, boolean tombstone, ByteString key, long valueOffset,
                             int valueLength) {
}
