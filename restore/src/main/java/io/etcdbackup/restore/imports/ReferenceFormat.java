package io.etcdbackup.restore.imports;

import io.etcdbackup.restore.BackupFormat;
import io.etcdbackup.restore.DeltaSegment;
import io.etcdbackup.snapshot.catalog.DeltaSegmentRef;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.local.DescribedOutputStream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Reads gardener/etcd-backup-restore's objects (and plain {@code etcdctl snapshot save} files).
 *
 * <ul>
 *   <li>Full ({@code Full-*}, or a plain snapshot): etcd's snapshot stream (bbolt database then
 *       etcd's SHA-256 of it), compressed as the name's suffix says. The trailing SHA-256 is
 *       verified while the database is written to the file.</li>
 *   <li>Delta ({@code Incr-*}): a JSON array of {@code {"etcdEvent": <clientv3.Event>, "time": ...}}
 *       followed by the raw SHA-256 of the JSON bytes, the whole compressed. The hash is verified,
 *       then the events are converted to etcd's protobuf events ({@link ReferenceEvents}). The
 *       reference records no lease TTLs, so the segment's lease list is empty (replay grants
 *       missing leases with the configured default TTL).</li>
 * </ul>
 *
 * The compression comes from the key: {@code .gz} gzip, {@code .zlib} zlib, none otherwise;
 * {@code .Z} (Go's LZW) is refused with {@link UnsupportedReferenceObjectException}.
 */
public final class ReferenceFormat implements BackupFormat {

    public static final ReferenceFormat INSTANCE = new ReferenceFormat();

    private static final int SHA256_BYTES = 32;
    /** A delta is read whole into memory; the reference flushes at 10-100 MiB, so this is ample. */
    static final int MAX_DELTA_BYTES = 1 << 30;

    private ReferenceFormat() {
    }

    @Override
    public void fetchFull(ObjectStore store, FullSnapshotRef full, Path file) throws IOException {
        String key = full.key();
        Compression compression = compressionOf(key);
        MessageDigest sha = sha256();
        byte[] buffer = new byte[64 * 1024];
        byte[] tail = new byte[SHA256_BYTES]; // the last 32 bytes seen: not hashed until more follow
        int tailLength = 0;
        long total = 0;
        try (InputStream in = compression.decompress(key, store.open(key));
             OutputStream out = DescribedOutputStream.newFile(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                total += n;
                int toHash = tailLength + n - SHA256_BYTES;
                if (toHash > 0) {
                    int fromTail = Math.min(toHash, tailLength);
                    sha.update(tail, 0, fromTail);
                    int fromBuffer = toHash - fromTail;
                    sha.update(buffer, 0, fromBuffer);
                    int keptTail = tailLength - fromTail;
                    System.arraycopy(tail, fromTail, tail, 0, keptTail);
                    System.arraycopy(buffer, fromBuffer, tail, keptTail, n - fromBuffer);
                    tailLength = SHA256_BYTES;
                } else {
                    System.arraycopy(buffer, 0, tail, tailLength, n);
                    tailLength += n;
                }
            }
        } catch (ZipException | EOFException e) {
            throw new CorruptObjectException(key, "cannot decompress (" + compression + "): " + e.getMessage(), e);
        }
        if (total <= SHA256_BYTES) {
            throw new CorruptObjectException(key, "holds " + total + " bytes, too short for an etcd snapshot with its SHA-256");
        }
        byte[] computed = sha.digest();
        if (!MessageDigest.isEqual(computed, tail)) {
            throw new CorruptObjectException(key, "etcd's trailing SHA-256 does not match the database: recorded "
                    + HexFormat.of().formatHex(tail) + ", computed " + HexFormat.of().formatHex(computed)
                    + " (is this an etcd snapshot with its hash, as clientv3's snapshot stream writes it?)");
        }
    }

    @Override
    public DeltaSegment readDelta(ObjectStore store, DeltaSegmentRef ref) throws IOException {
        String key = ref.key();
        Compression compression = compressionOf(key);
        byte[] bytes;
        try (InputStream in = compression.decompress(key, store.open(key))) {
            bytes = in.readNBytes(MAX_DELTA_BYTES + 1);
        } catch (ZipException | EOFException e) {
            throw new CorruptObjectException(key, "cannot decompress (" + compression + "): " + e.getMessage(), e);
        }
        if (bytes.length > MAX_DELTA_BYTES) {
            throw new CorruptObjectException(key, "decompresses to more than " + MAX_DELTA_BYTES + " bytes; not a reference delta");
        }
        if (bytes.length < SHA256_BYTES) {
            throw new CorruptObjectException(key, "holds " + bytes.length + " bytes, too short for JSON and its SHA-256");
        }
        int jsonLength = bytes.length - SHA256_BYTES;
        MessageDigest sha = sha256();
        sha.update(bytes, 0, jsonLength);
        byte[] computed = sha.digest();
        byte[] recorded = java.util.Arrays.copyOfRange(bytes, jsonLength, bytes.length);
        if (!MessageDigest.isEqual(computed, recorded)) {
            throw new CorruptObjectException(key, "SHA-256 of the JSON events does not match: recorded "
                    + HexFormat.of().formatHex(recorded) + ", computed " + HexFormat.of().formatHex(computed));
        }
        return new DeltaSegment(ReferenceEvents.parse(key, bytes, jsonLength, ref.firstRevision(), ref.lastRevision()), List.of());
    }

    /** Compression by the key's suffix; keys that are not reference names (plain snapshots) are uncompressed. */
    static Compression compressionOf(String key) {
        Compression compression = ReferenceName.parse(key).map(ReferenceName::compression).orElse(Compression.NONE);
        if (compression == Compression.LZW) {
            throw compression.unsupported(key);
        }
        return compression;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
