package io.etcdbackup.restore.init;

import io.etcdbackup.restore.EtcdTool;
import io.etcdbackup.restore.UnreadableDatabaseException;
import io.etcdbackup.restore.init.DataDirVerdict.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The layout decisions of sanity validation, with a fake in place of etcd's database tool. */
class DataDirValidatorTest {

    @TempDir
    Path dir;

    private final List<Path> databasesRead = new ArrayList<>();

    private DataDirValidator validatorReading(long revision) {
        return new DataDirValidator(db -> {
            databasesRead.add(db);
            return new EtcdTool.DatabaseStatus(revision, 1234, 10, 4096);
        });
    }

    /** The files etcd's layout needs; their content only matters to the (faked) database tool. */
    static Path etcdLayout(Path dataDir) throws IOException {
        Files.createDirectories(dataDir.resolve("member/snap"));
        Files.createDirectories(dataDir.resolve("member/wal"));
        Files.write(dataDir.resolve("member/snap/db"), new byte[] {1});
        Files.write(dataDir.resolve("member/wal/0000000000000000-0000000000000000.wal"), new byte[] {1});
        return dataDir;
    }

    @Test
    void aCompleteLayoutWithAReadableDatabaseIsValidAtTheDatabasesRevision() throws Exception {
        Path dataDir = etcdLayout(dir.resolve("data"));
        DataDirVerdict verdict = validatorReading(42).validate(dataDir, ValidationMode.SANITY);
        assertThat(verdict.status()).isEqualTo(Status.VALID);
        assertThat(verdict.revision()).hasValue(42);
        assertThat(verdict.reason()).contains("revision 42");
        assertThat(databasesRead).containsExactly(dataDir.resolve("member/snap/db"));
    }

    @Test
    void aDirectoryThatDoesNotExistIsMissing() throws Exception {
        DataDirVerdict verdict = validatorReading(1).validate(dir.resolve("absent"), ValidationMode.SANITY);
        assertThat(verdict.status()).isEqualTo(Status.MISSING);
        assertThat(verdict.revision()).isEmpty();
    }

    @Test
    void aDirectoryHoldingNothingButTheSafeguardIsEmpty() throws Exception {
        Path dataDir = Files.createDirectories(dir.resolve("data"));
        assertThat(validatorReading(1).validate(dataDir, ValidationMode.SANITY).status()).isEqualTo(Status.EMPTY);
        new Safeguard("file:///backups", java.time.Instant.EPOCH).writeTo(dataDir);
        assertThat(validatorReading(1).validate(dataDir, ValidationMode.SANITY).status()).isEqualTo(Status.EMPTY);
    }

    @Test
    void aFileWhereTheDirectoryShouldBeIsInvalid() throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "x");
        assertThat(validatorReading(1).validate(file, ValidationMode.SANITY).status()).isEqualTo(Status.INVALID);
    }

    @Test
    void aDirectoryWithoutMemberIsInvalidNamingWhatItHolds() throws Exception {
        Path dataDir = Files.createDirectories(dir.resolve("data"));
        Files.writeString(dataDir.resolve("notes.txt"), "x");
        DataDirVerdict verdict = validatorReading(1).validate(dataDir, ValidationMode.SANITY);
        assertThat(verdict.status()).isEqualTo(Status.INVALID);
        assertThat(verdict.reason()).contains("no member/", "notes.txt");
    }

    @Test
    void eachMissingPartOfTheLayoutIsInvalidAndNamed() throws Exception {
        for (String part : List.of("member/snap", "member/wal", "member/wal/0000000000000000-0000000000000000.wal", "member/snap/db")) {
            Path dataDir = etcdLayout(dir.resolve(part.replace('/', '_')));
            delete(dataDir.resolve(part));
            DataDirVerdict verdict = validatorReading(1).validate(dataDir, ValidationMode.SANITY);
            assertThat(verdict.status()).as(part).isEqualTo(Status.INVALID);
            assertThat(verdict.reason()).as(part).containsAnyOf(part.substring(part.indexOf('/') + 1), "WAL file");
        }
        assertThat(databasesRead).isEmpty();
    }

    @Test
    void aDatabaseTheToolCannotReadIsInvalidWithTheToolsExplanation() throws Exception {
        Path dataDir = etcdLayout(dir.resolve("data"));
        DataDirValidator validator = new DataDirValidator(db -> {
            throw new UnreadableDatabaseException(db, "Error: invalid database");
        });
        DataDirVerdict verdict = validator.validate(dataDir, ValidationMode.SANITY);
        assertThat(verdict.status()).isEqualTo(Status.INVALID);
        assertThat(verdict.reason()).contains("member/snap/db is unreadable", "Error: invalid database");
    }

    @Test
    void aToolThatCannotRunGivesNoVerdictRatherThanInvalid() throws Exception {
        Path dataDir = etcdLayout(dir.resolve("data"));
        DataDirValidator validator = new DataDirValidator(db -> {
            throw new IOException("Cannot run program \"etcdctl\"");
        });
        assertThatThrownBy(() -> validator.validate(dataDir, ValidationMode.SANITY)).isInstanceOf(IOException.class);
    }

    @Test
    void modesParseFromTheirLabels() {
        assertThat(ValidationMode.parse("full")).isEqualTo(ValidationMode.FULL);
        assertThat(ValidationMode.parse("Sanity")).isEqualTo(ValidationMode.SANITY);
        assertThatThrownBy(() -> ValidationMode.parse("deep")).hasMessageContaining("sanity or full");
    }

    private static void delete(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (var walk = Files.walk(path)) {
                for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        } else {
            Files.delete(path);
        }
    }
}
