package io.etcdbackup.restore.keys;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.etcdprocess.DirectoryTrees;
import io.etcdbackup.restore.bolt.EtcdBackendFile;
import io.etcdbackup.restore.bolt.RevisionRecord;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;

/**
 * The keys under a prefix as they were at one revision, read from a backup by {@link KeysReader}.
 *
 * <p>Only the keys are held in memory: values that come from the full snapshot stay in its
 * database file (in the scratch directory) and are read again when visited; values from delta
 * segments are held. {@link #close()} removes the scratch directory. Not thread-safe.
 */
public final class PrefixView implements Closeable {

    private final long revision;
    private final String generation;
    private final NavigableMap<ByteString, Entry> keys;
    private final Map<Long, Long> grantedTtls;
    private final EtcdBackendFile database;
    private final Path scratch;

    /**
     * @param keys        key to its newest version at the revision
     * @param grantedTtls lease id to the TTL it was granted with, where known
     */
    PrefixView(long revision, String generation, NavigableMap<ByteString, Entry> keys, Map<Long, Long> grantedTtls,
               EtcdBackendFile database, Path scratch) {
        this.revision = revision;
        this.generation = generation;
        this.keys = keys;
        this.grantedTtls = grantedTtls;
        this.database = database;
        this.scratch = scratch;
    }

    /** The revision the keys are at. */
    public long revision() {
        return revision;
    }

    /** The generation (continuous history) they were read from. */
    public String generation() {
        return generation;
    }

    /** How many keys there are. */
    public int size() {
        return keys.size();
    }

    /** The TTL lease {@code leaseId} was granted with, where the backup recorded it. */
    public OptionalLong grantedTtl(long leaseId) {
        Long ttl = grantedTtls.get(leaseId);
        return ttl == null ? OptionalLong.empty() : OptionalLong.of(ttl);
    }

    /** Visits every key, in key order, until the visitor says stop. */
    public void forEach(KeyVisitor visitor) throws IOException {
        forEachAfter(null, visitor);
    }

    /**
     * Visits the keys after {@code after} (exclusive; {@code null} for the first), in key order,
     * until the visitor says stop: what paging resumes from.
     */
    public void forEachAfter(ByteString after, KeyVisitor visitor) throws IOException {
        NavigableMap<ByteString, Entry> rest = after == null ? keys : keys.tailMap(after, false);
        for (Entry entry : rest.values()) {
            KeyValue kv = entry instanceof InDatabase held ? database.read(held.record()) : ((FromDelta) entry).kv();
            if (!visitor.visit(kv)) {
                return;
            }
        }
    }

    /** Where a key's newest version is: in the full snapshot's database, or held from a delta segment. */
    sealed interface Entry permits InDatabase, FromDelta {
    }

    /** A record of the database, read again when visited. */
    record InDatabase(RevisionRecord record) implements Entry {
    }

    /** A key-value from a delta segment, held in memory. */
    record FromDelta(KeyValue kv) implements Entry {
    }

    @Override
    public void close() throws IOException {
        try {
            database.close();
        } finally {
            DirectoryTrees.delete(scratch);
        }
    }
}
