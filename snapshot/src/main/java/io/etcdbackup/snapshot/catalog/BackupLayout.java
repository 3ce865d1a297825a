package io.etcdbackup.snapshot.catalog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where snapshot objects live under a store's prefix. Revisions are zero-padded to 20 digits so
 * that a listing is already in chain order:
 *
 * <pre>
 *   eba-v1/&lt;generation&gt;/generation.json                         why and when it started
 *   eba-v1/&lt;generation&gt;/full/&lt;revision&gt;-&lt;yyyyMMddTHHmmssSSSZ&gt;   full snapshot
 *   eba-v1/&lt;generation&gt;/delta/&lt;firstRevision&gt;-&lt;lastRevision&gt;     delta segment
 * </pre>
 *
 * A generation id is its start time plus a random suffix ({@code 20261122T081500123Z-3fa2}), so
 * generations sort by age. The {@code eba-v1/} root keeps our objects apart from the layouts of
 * other tools ({@code v1/}, {@code v2/}) under the same prefix.
 */
public final class BackupLayout {

    public static final String ROOT = "eba-v1/";
    static final String GENERATION_INFO = "generation.json";

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern GENERATION_ID = Pattern.compile("\\d{8}T\\d{9}Z-[0-9a-f]{4}");
    private static final Pattern FULL = Pattern.compile("(\\d{20})-(\\d{8}T\\d{9}Z)");
    private static final Pattern DELTA = Pattern.compile("(\\d{20})-(\\d{20})");

    private BackupLayout() {
    }

    /** A fresh generation id for a generation starting at {@code now}. */
    public static String newGenerationId(Instant now) {
        return STAMP.format(now) + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }

    public static String generationPrefix(String generation) {
        return ROOT + generation + "/";
    }

    public static String generationInfoKey(String generation) {
        return generationPrefix(generation) + GENERATION_INFO;
    }

    public static String fullKey(String generation, long revision, Instant createdAt) {
        return generationPrefix(generation) + "full/" + pad(revision) + "-" + STAMP.format(createdAt);
    }

    public static String deltaKey(String generation, long firstRevision, long lastRevision) {
        return generationPrefix(generation) + "delta/" + pad(firstRevision) + "-" + pad(lastRevision);
    }

    /** What a key under {@link #ROOT} names, or empty for keys this layout does not know. */
    public static Optional<ParsedKey> parse(String key) {
        if (!key.startsWith(ROOT)) {
            return Optional.empty();
        }
        String[] parts = key.substring(ROOT.length()).split("/");
        if (parts.length < 2 || !GENERATION_ID.matcher(parts[0]).matches()) {
            return Optional.empty();
        }
        String generation = parts[0];
        if (parts.length == 2 && parts[1].equals(GENERATION_INFO)) {
            return Optional.of(new ParsedKey(KeyType.GENERATION_INFO, generation, 0, 0, null));
        }
        if (parts.length == 3 && parts[1].equals("full")) {
            Matcher m = FULL.matcher(parts[2]);
            if (m.matches()) {
                long revision = Long.parseLong(m.group(1));
                return Optional.of(new ParsedKey(KeyType.FULL, generation, revision, revision, STAMP.parse(m.group(2), Instant::from)));
            }
        }
        if (parts.length == 3 && parts[1].equals("delta")) {
            Matcher m = DELTA.matcher(parts[2]);
            if (m.matches()) {
                return Optional.of(new ParsedKey(KeyType.DELTA, generation, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), null));
            }
        }
        return Optional.empty();
    }

    private static String pad(long revision) {
        return String.format("%020d", revision);
    }

    /** Kinds of keys in the layout. */
    public enum KeyType { GENERATION_INFO, FULL, DELTA }

    /**
     * A key taken apart.
     *
     * @param createdAt for full snapshots, the time in the key; otherwise null
     */
    public record ParsedKey(KeyType type, String generation, long firstRevision, long lastRevision, Instant createdAt) {
    }
}
