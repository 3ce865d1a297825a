package io.etcdbackup.restore.init;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The claim a data directory carries: which backups (which etcd cluster) its data belongs to.
 * {@link Initializer} writes it as {@value #FILE_NAME} in the data directory after it kept,
 * restored or freshly started the directory, and refuses to keep or replace a directory whose
 * claim names another identity: a volume of another cluster mounted here by mistake is neither
 * started as this cluster (its data would then be backed up over this cluster's) nor overwritten.
 *
 * <p>A small JSON file; etcd ignores it (3.4 logs "found invalid file/dir ... under data dir").
 *
 * @param identity  who the data belongs to: by default the store location of the backups
 *                  ({@code s3://bucket/prefix}), or an operator-chosen id
 * @param claimedAt when it was written
 */
public record Safeguard(String identity, Instant claimedAt) {

    /** The file's name inside the data directory. */
    public static final String FILE_NAME = "etcd-backup-agent.safeguard";

    private static final String ABOUT = "Written by etcd-backup-agent initialize. This data dir belongs to the identity below;"
            + " initialize refuses to keep or replace it for another identity. Delete this file only if the volume really"
            + " belongs to the cluster now using it.";

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    public Safeguard {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(claimedAt, "claimedAt");
    }

    /** The file's content: the fields, and a sentence for whoever finds it. Later versions may add fields. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record Content(String about, String identity, Instant claimedAt) {
    }

    /**
     * The claim in {@code dataDir}, if it has one.
     *
     * @throws IOException when the file exists but cannot be read or names no identity
     */
    public static Optional<Safeguard> read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            Content content = JSON.readValue(bytes, Content.class);
            if (content.identity() == null || content.identity().isBlank() || content.claimedAt() == null) {
                throw new IOException("safeguard file " + file + " names no identity or time");
            }
            return Optional.of(new Safeguard(content.identity(), content.claimedAt()));
        } catch (JacksonException e) {
            throw new IOException("safeguard file " + file + " is not valid: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes this claim into {@code dataDir} (which must exist), replacing any earlier one; durable when it returns. */
    public void writeTo(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        Path temp = dataDir.resolve(FILE_NAME + ".tmp");
        try (OutputStream out = Files.newOutputStream(temp)) {
            out.write(JSON.writeValueAsBytes(new Content(ABOUT, identity, claimedAt)));
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel folder = FileChannel.open(dataDir, StandardOpenOption.READ)) {
            folder.force(true);
        }
    }

    /**
     * Why {@code dataDir} must not be touched for {@code identity}: its safeguard names another
     * identity, or cannot be read. Empty when it may be used (no directory, no claim, or this claim).
     */
    public static Optional<String> refusal(Path dataDir, String identity) {
        if (!Files.isDirectory(dataDir)) {
            return Optional.empty();
        }
        try {
            Optional<Safeguard> claim = read(dataDir);
            if (claim.isPresent() && !claim.get().identity().equals(identity)) {
                return Optional.of("wrong volume: data dir " + dataDir + " belongs to '" + claim.get().identity() + "' (safeguard file "
                        + FILE_NAME + " written " + claim.get().claimedAt() + "), this agent serves '" + identity
                        + "'; nothing was changed. Mount the right volume, or, if this volume is really meant for '" + identity
                        + "', delete the safeguard file");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot tell whom data dir " + dataDir + " belongs to: " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' '))
                    + "; nothing was changed. Delete the safeguard file if the volume belongs to '" + identity + "'");
        }
    }

    /** Writes a claim for {@code identity} at {@code now} into {@code dataDir} unless it has one. */
    public static void claimIfUnclaimed(Path dataDir, String identity, java.time.Instant now) throws IOException {
        if (read(dataDir).isEmpty()) {
            new Safeguard(identity, now).writeTo(dataDir);
        }
    }
}
