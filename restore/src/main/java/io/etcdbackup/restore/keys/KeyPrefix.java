package io.etcdbackup.restore.keys;

import com.google.protobuf.ByteString;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The keys key-level recovery looks at: every key starting with these bytes, as
 * {@code etcdctl get --prefix} selects them. The empty prefix selects every key.
 *
 * @param bytes the prefix
 */
public record KeyPrefix(ByteString bytes) {

    public KeyPrefix {
        Objects.requireNonNull(bytes, "bytes");
    }

    /** The prefix given as text (UTF-8), e.g. {@code /registry/configmaps/team-a/}. */
    public static KeyPrefix of(String text) {
        return new KeyPrefix(ByteString.copyFrom(text, StandardCharsets.UTF_8));
    }

    /** Whether {@code key} is under this prefix. */
    public boolean matches(ByteString key) {
        return key.startsWith(bytes);
    }

    @Override
    public String toString() {
        return bytes.toStringUtf8();
    }
}
