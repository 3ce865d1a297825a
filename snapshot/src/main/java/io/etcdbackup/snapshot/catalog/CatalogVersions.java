package io.etcdbackup.snapshot.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.github.luben.zstd.Zstd;
import io.etcdbackup.snapshot.format.CorruptObjectException;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where catalog versions live and how they are encoded: {@code eba-v1/catalog/<sequence:20d>},
 * each the Zstandard-compressed JSON of a {@link CatalogState} followed by the SHA-256 of the
 * compressed bytes. Finding the newest version is one listing of a short folder (old versions
 * are pruned) and one read.
 */
final class CatalogVersions {

    static final String PREFIX = BackupLayout.ROOT + "catalog/";
    private static final Pattern VERSION_KEY = Pattern.compile(Pattern.quote(PREFIX) + "\\d{20}");
    private static final Logger LOG = LoggerFactory.getLogger(CatalogVersions.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private CatalogVersions() {
    }

    static String key(long sequence) {
        return PREFIX + String.format("%020d", sequence);
    }

    /** Version keys in the store, oldest first. */
    static List<String> keys(ObjectStore store) throws IOException {
        List<String> keys = new ArrayList<>();
        var listing = store.list(PREFIX);
        while (listing.hasNext()) {
            ObjectInfo info = listing.next();
            if (VERSION_KEY.matcher(info.key()).matches()) {
                keys.add(info.key());
            }
        }
        return keys;
    }

    static long sequenceOf(String key) {
        return Long.parseLong(key.substring(PREFIX.length()));
    }

    /**
     * The newest readable version. A version that fails its checksum is skipped with a warning
     * (the one before it is still a consistent catalog).
     */
    static Optional<CatalogState> latest(ObjectStore store) throws IOException {
        List<String> keys = keys(store);
        for (int i = keys.size() - 1; i >= 0; i--) {
            try {
                return Optional.of(decode(keys.get(i), store.readAll(keys.get(i))));
            } catch (CorruptObjectException e) {
                LOG.warn("skipping unreadable catalog version key={}", keys.get(i), e);
            } catch (NoSuchObjectException prunedMeanwhile) {
                // a writer pruned it after our listing; an older one is still there or a newer one exists
            }
        }
        return Optional.empty();
    }

    static byte[] encode(CatalogState state) {
        try {
            byte[] compressed = Zstd.compress(JSON.writeValueAsBytes(state), 3);
            byte[] out = Arrays.copyOf(compressed, compressed.length + 32);
            System.arraycopy(sha256(compressed), 0, out, compressed.length, 32);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode catalog version " + state.sequence(), e);
        }
    }

    static CatalogState decode(String key, byte[] bytes) {
        if (bytes.length < 33) {
            throw new CorruptObjectException(key, "catalog version of " + bytes.length + " bytes is truncated");
        }
        byte[] compressed = Arrays.copyOf(bytes, bytes.length - 32);
        byte[] expected = Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length);
        if (!MessageDigest.isEqual(expected, sha256(compressed))) {
            throw new CorruptObjectException(key, "catalog version fails its SHA-256");
        }
        try {
            long size = Zstd.getFrameContentSize(compressed);
            byte[] json = Zstd.decompress(compressed, (int) size);
            CatalogState state = JSON.readValue(json, CatalogState.class);
            if (state.sequence() != sequenceOf(key)) {
                throw new CorruptObjectException(key, "catalog version says sequence " + state.sequence());
            }
            return state;
        } catch (IOException | RuntimeException e) {
            if (e instanceof CorruptObjectException c) {
                throw c;
            }
            throw new CorruptObjectException(key, "unreadable catalog version: " + e.getMessage(), e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
