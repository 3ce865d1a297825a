package io.etcdbackup.restore.init;

import io.etcdbackup.restore.EtcdTool;
import io.etcdbackup.restore.UnreadableDatabaseException;
import io.etcdbackup.etcdprocess.EtcdBinaries;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks whether etcd can start on a data directory, without changing it. See
 * {@link ValidationMode} for what each mode reads. Whether the data is behind the backups is not
 * checked here (that needs the store); {@link Initializer} does it with the revision reported.
 *
 * <p>Must not run while etcd uses the directory: etcd's lock on the database makes the database
 * check wait, then fail with an {@link IOException} after ten minutes.
 */
public final class DataDirValidator {

    /** Reads a database file; {@link EtcdTool#status(Path)} in production. */
    @FunctionalInterface
    interface DatabaseReader {
        /**
         * @throws UnreadableDatabaseException when the file is damaged
         * @throws IOException                 when it could not be read for another reason (no tool)
         */
        EtcdTool.DatabaseStatus read(Path database) throws IOException;
    }

    private final DatabaseReader database;

    /** A validator that reads databases with etcd's own tool ({@code etcdutl} on 3.5+, else {@code etcdctl}). */
    public DataDirValidator(EtcdBinaries binaries) {
        this(new EtcdTool(binaries)::status);
    }

    DataDirValidator(DatabaseReader database) {
        this.database = database;
    }

    /**
     * Validates {@code dataDir}.
     *
     * @return the verdict: {@code MISSING}, {@code EMPTY} (nothing but the {@link Safeguard} file),
     *         {@code INVALID} naming the first problem found, or {@code VALID} with the database's
     *         revision
     * @throws IOException when the directory could not be checked (a tool missing or hanging, the
     *                     thread interrupted, a permission error): no verdict, and no reason to
     *                     believe the data is bad
     */
    public DataDirVerdict validate(Path dataDir, ValidationMode mode) throws IOException {
        if (!Files.exists(dataDir)) {
            return DataDirVerdict.missing("data dir " + dataDir + " does not exist");
        }
        if (!Files.isDirectory(dataDir)) {
            return DataDirVerdict.invalid("data dir " + dataDir + " is not a directory", List.of());
        }
        List<String> entries = entries(dataDir);
        if (entries.isEmpty()) {
            return DataDirVerdict.empty("data dir " + dataDir + " is empty");
        }
        Path member = dataDir.resolve("member");
        if (!Files.isDirectory(member)) {
            return DataDirVerdict.invalid("data dir " + dataDir + " holds no member/ directory (found " + summary(entries)
                    + "): not an etcd data dir, or one whose creation was cut short", List.of());
        }
        for (String sub : List.of("snap", "wal")) {
            if (!Files.isDirectory(member.resolve(sub))) {
                return DataDirVerdict.invalid("data dir " + dataDir + " has no member/" + sub + " directory", List.of());
            }
        }
        if (!holdsWalFile(member.resolve("wal"))) {
            return DataDirVerdict.invalid("data dir " + dataDir + ": member/wal holds no WAL file", List.of());
        }
        Path db = member.resolve("snap").resolve("db");
        if (!Files.isRegularFile(db)) {
            return DataDirVerdict.invalid("data dir " + dataDir + " has no database member/snap/db", List.of());
        }
        List<String> notes = List.of();
        if (mode == ValidationMode.FULL) {
            WalCheck.Result wal = WalCheck.check(member);
            notes = wal.notes();
            if (wal.problem().isPresent()) {
                return DataDirVerdict.invalid("data dir " + dataDir + ": " + wal.problem().get(), notes);
            }
        }
        EtcdTool.DatabaseStatus status;
        try {
            status = database.read(db);
        } catch (UnreadableDatabaseException e) {
            return DataDirVerdict.invalid("data dir " + dataDir + ": database member/snap/db is unreadable: " + e.toolOutput(), notes);
        }
        return DataDirVerdict.valid(status.revision(), "data dir " + dataDir + " is valid (" + mode.label() + " check): database at revision "
                + status.revision() + ", " + status.totalKeys() + " keys, " + status.totalSize() + " bytes", notes);
    }

    /** The directory's entries, without the safeguard file and its temp file (they alone do not make a directory non-empty). */
    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(Safeguard.FILE_NAME)).sorted().toList();
        }
    }

    private static String summary(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names) : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }

    private static boolean holdsWalFile(Path walDir) throws IOException {
        try (Stream<Path> list = Files.list(walDir)) {
            return list.anyMatch(p -> p.getFileName().toString().endsWith(".wal"));
        }
    }
}
