package io.etcdbackup.stores.credentials;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Credentials mounted as files (a Kubernetes secret volume), re-read after they change, so a
 * rotated secret is used by the next store call without a restart. Two layouts, as in
 * gardener/etcd-backup-restore: a directory with one file per field (the file name is the field
 * name, its content the value), or one JSON file holding an object with the fields as keys.
 * Values are trimmed; an empty value is an absent one.
 *
 * <p>{@link #read()} is meant to be called before every store call: it compares a fingerprint of
 * the files ({@link MountFingerprint}: for each field's file its modification time, size and
 * identity; and the target of the {@code ..data} symlink, which Kubernetes swaps atomically to
 * publish a new version of a secret) with the one of the last read, and reads the files again
 * only when it differs: a few {@code stat} calls, far cheaper than the request they authenticate.
 *
 * <p>Safe for concurrent use. Never shows a value in messages, logs or {@link #toString()}.
 */
public final class MountedSecret {

    private static final Logger LOG = LoggerFactory.getLogger(MountedSecret.class);
    /** Without the source in locations: a parse error must never quote the secret. */
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();

    private final String what;
    private final Path location;
    private final boolean json;
    private final List<String> fields;
    private final List<String> required;
    private String fingerprint;
    private Fields current;

    private MountedSecret(String what, Path location, boolean json, List<String> fields, List<String> required) {
        if (!fields.containsAll(required)) {
            throw new IllegalArgumentException("required fields " + required + " are not all among the fields " + fields);
        }
        this.what = what;
        this.location = location;
        this.json = json;
        this.fields = List.copyOf(fields);
        this.required = List.copyOf(required);
    }

    /**
     * A directory with one file per field, read once now so that a missing or incomplete secret
     * fails when the store is opened.
     *
     * @param what     what the secret is for, in messages (e.g. {@code "S3 credentials (AWS_APPLICATION_CREDENTIALS)"})
     * @param dir      the directory
     * @param fields   every field the caller uses (files with other names are neither read nor watched)
     * @param required the fields that must be present and non-empty
     * @throws IOException naming the directory and the missing field, or why it cannot be read
     */
    public static MountedSecret directory(String what, Path dir, List<String> fields, List<String> required) throws IOException {
        MountedSecret secret = new MountedSecret(what, dir, false, fields, required);
        secret.read();
        return secret;
    }

    /**
     * One JSON file holding an object whose keys are the field names (string, number or boolean
     * values; other keys are ignored), read once now. Parameters as for {@link #directory}.
     */
    public static MountedSecret jsonFile(String what, Path file, List<String> fields, List<String> required) throws IOException {
        MountedSecret secret = new MountedSecret(what, file, true, fields, required);
        secret.read();
        return secret;
    }

    /**
     * {@link #directory} if {@code location} is a directory, {@link #jsonFile} if it is a file.
     *
     * @throws IOException if it is neither, naming it
     */
    public static MountedSecret directoryOrJsonFile(String what, Path location, List<String> fields, List<String> required) throws IOException {
        if (Files.isDirectory(location)) {
            return directory(what, location, fields, required);
        }
        if (Files.isRegularFile(location)) {
            return jsonFile(what, location, fields, required);
        }
        throw new IOException(what + ": '" + location + "' is neither a directory nor a file");
    }

    /**
     * {@link #read()} for a cloud SDK's credentials callback, which may not throw
     * {@link IOException}: a failure to read becomes the SDK's exception, made by {@code unreadable}.
     */
    public <X extends RuntimeException> Fields readOrThrow(Function<IOException, X> unreadable) {
        try {
            return read();
        } catch (IOException e) {
            throw unreadable.apply(e);
        }
    }

    /**
     * The fields as the files hold them now: the same values as the last call unless the files
     * changed since, in which case they are read again. A secret that fails to read (a required
     * field gone, broken JSON, the directory removed) throws, and is tried again by the next call.
     *
     * @throws IOException naming the location and, for a missing field, the field; never a value
     */
    public synchronized Fields read() throws IOException {
        // The fingerprint is taken before reading: a change during the read is seen by the next call.
        String now;
        try {
            now = fingerprint();
        } catch (IOException gone) {
            // What comes back may look unchanged (a reused inode, the same size and mtime tick).
            fingerprint = null;
            throw gone;
        }
        if (!now.equals(fingerprint)) {
            Fields read = json ? readJson() : readDirectory();
            for (String name : required) {
                if (read.get(name).isEmpty()) {
                    throw new IOException(what + ": " + (json
                            ? "the JSON file '" + location + "' has no non-empty key '" + name + "'"
                            : "no non-empty file '" + name + "' in the directory '" + location + "' (" + location.resolve(name) + ")"));
                }
            }
            if (current != null) {
                LOG.info("mounted credentials changed; read again what=\"{}\" location={} fields={}", what, location, read.names());
            }
            current = read;
            fingerprint = now;
        }
        return current;
    }

    /** The directory or JSON file. */
    public Path location() {
        return location;
    }

    private String fingerprint() throws IOException {
        return json ? MountFingerprint.ofFile(what, location, "JSON file") : MountFingerprint.ofDirectory(what, location, fields);
    }

    private Fields readDirectory() throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String name : fields) {
            Path file = location.resolve(name);
            if (Files.isRegularFile(file)) {
                put(values, name, Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        return new Fields(values);
    }

    private Fields readJson() throws IOException {
        Map<String, String> values = new HashMap<>();
        try (JsonParser parser = JSON.createParser(Files.readAllBytes(location))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(what + ": the JSON file '" + location + "' must hold a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                boolean wanted = fields.contains(name);
                if (value.isScalarValue()) {
                    if (wanted && value != JsonToken.VALUE_NULL) {
                        put(values, name, parser.getText());
                    }
                } else if (wanted) {
                    throw new IOException(what + ": key '" + name + "' of the JSON file '" + location + "' must be a string");
                } else {
                    parser.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            // Not e.getMessage(): Jackson quotes the offending token, which may be part of a secret.
            JsonLocation at = e.getLocation();
            throw new IOException(what + ": the file '" + location + "' is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        return new Fields(values);
    }

    private static void put(Map<String, String> values, String name, String raw) {
        String value = raw.strip();
        if (!value.isEmpty()) {
            values.put(name, value);
        }
    }

    /** Never shows a value. */
    @Override
    public String toString() {
        return "MountedSecret[" + what + " at " + location + "]";
    }

    /**
     * The values of one read, by field name; only non-empty values are present. Equal when the
     * values are equal, so a caller can tell a rotation from a touch of the files.
     */
    public static final class Fields {
        private final Map<String, String> values;

        Fields(Map<String, String> values) {
            this.values = Map.copyOf(values);
        }

        /** The field's trimmed value, or empty if the field is absent or empty. */
        public Optional<String> get(String name) {
            return Optional.ofNullable(values.get(name));
        }

        /** The field's trimmed value, or {@code ""}. */
        public String orEmpty(String name) {
            return values.getOrDefault(name, "");
        }

        /** The names of the fields present, sorted. */
        public List<String> names() {
            return List.copyOf(new TreeSet<>(values.keySet()));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fields other && values.equals(other.values);
        }

        @Override
        public int hashCode() {
            return values.hashCode();
        }

        /** Names only, never values. */
        @Override
        public String toString() {
            return "Fields" + names();
        }
    }
}
