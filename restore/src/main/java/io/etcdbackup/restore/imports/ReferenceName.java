package io.etcdbackup.restore.imports;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One object key of the reference's layout, parsed:
 * {@code v2/<Kind>-<start>-<last>-<unix>[.gz|.Z|.zlib][.final]} or the legacy
 * {@code v1/Backup-<unix>/<Kind>-...}. The reference pads revisions with {@code %08d}, so they have
 * at least eight digits (more when larger); fewer are accepted too.
 *
 * @param key         the whole key
 * @param folder      the chain it belongs to: {@code v2} or {@code v1/Backup-<unix>}
 * @param full        a full snapshot ({@code Full}), else a delta ({@code Incr})
 * @param first       start revision (0 for full snapshots)
 * @param last        last revision
 * @param createdAt   the time in the name
 * @param compression from the suffix
 * @param isFinal     whether the name ends with {@code .final} (taken at shutdown; no other meaning here)
 */
record ReferenceName(String key, String folder, boolean full, long first, long last, Instant createdAt,
                     Compression compression, boolean isFinal) {

    static final String V2 = "v2/";
    static final String V1 = "v1/";

    private static final Pattern NAME = Pattern.compile("(Full|Incr)-(\\d{1,19})-(\\d{1,19})-(\\d{1,19})(\\.gz|\\.zlib|\\.Z)?(\\.final)?");
    private static final Pattern V1_FOLDER = Pattern.compile("Backup-\\d{1,19}");

    /** Parses {@code key}; empty for anything else (unknown files, Swift chunk segments, folders). */
    static Optional<ReferenceName> parse(String key) {
        String folder;
        String name;
        if (key.startsWith(V2)) {
            folder = "v2";
            name = key.substring(V2.length());
        } else if (key.startsWith(V1)) {
            String rest = key.substring(V1.length());
            int slash = rest.indexOf('/');
            if (slash < 0 || !V1_FOLDER.matcher(rest.substring(0, slash)).matches()) {
                return Optional.empty();
            }
            folder = "v1/" + rest.substring(0, slash);
            name = rest.substring(slash + 1);
        } else {
            return Optional.empty();
        }
        return parseName(key, folder, name);
    }

    private static Optional<ReferenceName> parseName(String key, String folder, String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            long first = Long.parseLong(m.group(2));
            long last = Long.parseLong(m.group(3));
            long unix = Long.parseLong(m.group(4));
            if (last < first) {
                return Optional.empty();
            }
            Compression compression = Compression.ofSuffix(m.group(5) == null ? "" : m.group(5));
            return Optional.of(new ReferenceName(key, folder, m.group(1).equals("Full"), first, last,
                    Instant.ofEpochSecond(unix), compression, m.group(6) != null));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return Optional.empty(); // does not fit a long or an instant: not one of the reference's names
        }
    }
}
