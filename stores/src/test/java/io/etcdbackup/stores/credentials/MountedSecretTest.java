package io.etcdbackup.stores.credentials;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class MountedSecretTest {

    private static final String WHAT = "test credentials (TEST_CREDENTIALS)";
    private static final List<String> FIELDS = List.of("keyId", "secret", "region");
    private static final List<String> REQUIRED = List.of("keyId", "secret");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aDirectoryHoldsOneFilePerFieldWithTrimmedValues() throws IOException {
        write("keyId", " id-1\n");
        write("secret", "secret-1\n");
        write("unrelated", "not a field");

        MountedSecret.Fields fields = directory().read();

        assertThat(fields.get("keyId")).contains("id-1");
        assertThat(fields.orEmpty("secret")).isEqualTo("secret-1");
        assertThat(fields.names()).containsExactly("keyId", "secret");
    }

    @Test
    void anEmptyFileIsAnAbsentField() throws IOException {
        write("keyId", "id-1");
        write("secret", "secret-1");
        write("region", "  \n");

        MountedSecret.Fields fields = directory().read();

        assertThat(fields.get("region")).isEmpty();
        assertThat(fields.orEmpty("region")).isEmpty();
    }

    @Test
    void aMissingRequiredFieldIsNamedWithItsPath() throws IOException {
        write("keyId", "id-1");
        write("secret", "\n");

        assertThatThrownBy(this::directory).isInstanceOf(IOException.class)
                .hasMessageContaining(WHAT).hasMessageContaining("'secret'").hasMessageContaining(dir.resolve("secret").toString());
    }

    @Test
    void aMissingDirectoryOrFileIsNamed() {
        assertThatThrownBy(() -> MountedSecret.directory(WHAT, dir.resolve("nope"), FIELDS, REQUIRED))
                .isInstanceOf(IOException.class).hasMessageContaining(dir.resolve("nope").toString()).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> MountedSecret.jsonFile(WHAT, dir.resolve("nope.json"), FIELDS, REQUIRED))
                .isInstanceOf(IOException.class).hasMessageContaining("nope.json").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> MountedSecret.directoryOrJsonFile(WHAT, dir.resolve("nope"), FIELDS, REQUIRED))
                .isInstanceOf(IOException.class).hasMessageContaining("neither a directory nor a file");
    }

    @Test
    void aRewrittenFileIsReadByTheNextCall() throws IOException {
        write("keyId", "id-1", T0);
        write("secret", "secret-1", T0);
        MountedSecret secret = directory();
        assertThat(secret.read().get("secret")).contains("secret-1");

        write("secret", "secret-2", T0.plusSeconds(60));

        assertThat(secret.read().get("secret")).contains("secret-2");
    }

    @Test
    void filesAreNotReadAgainWhileTheirTimesSizesAndIdentitiesStayTheSame() throws IOException {
        write("keyId", "id-1", T0);
        write("secret", "secret-1", T0);
        MountedSecret secret = directory();
        secret.read();

        // Rewritten in place with the same size, and the old modification time put back: the
        // fingerprint cannot see this, so the last read is what the caller gets.
        write("secret", "secret-2", T0);

        assertThat(secret.read().get("secret")).contains("secret-1");
    }

    @Test
    void aFieldThatAppearsLaterIsRead() throws IOException {
        write("keyId", "id-1");
        write("secret", "secret-1");
        MountedSecret secret = directory();
        assertThat(secret.read().get("region")).isEmpty();

        write("region", "eu-1");

        assertThat(secret.read().get("region")).contains("eu-1");
    }

    @Test
    void aKubernetesRotationIsSeenThroughTheDataSymlinkSwapEvenWithEqualTimesAndSizes() throws IOException {
        KubernetesSecretVolume volume = volume("id-A", "secret-A");
        MountedSecret secret = directory(volume.dir());
        assertThat(secret.read().get("keyId")).contains("id-A");

        // The kubelet writes a new timestamped directory and swaps ..data to it with one rename;
        // here the new files even have the same sizes and modification times as the old ones.
        volume.publish(Map.of("keyId", "id-B", "secret", "secret-B"), T0);

        assertThat(secret.read().get("keyId")).contains("id-B");
        assertThat(secret.read().get("secret")).contains("secret-B");
    }

    @Test
    void aBrokenRotationFailsEachCallUntilAGoodVersionArrives() throws IOException {
        KubernetesSecretVolume volume = volume("id-A", "secret-A");
        MountedSecret secret = directory(volume.dir());

        volume.publish(Map.of("keyId", "id-B"));

        assertThatThrownBy(secret::read).hasMessageContaining("'secret'");
        assertThatThrownBy(secret::read).hasMessageContaining("'secret'");

        volume.publish(Map.of("keyId", "id-C", "secret", "secret-C"));

        assertThat(secret.read().get("keyId")).contains("id-C");
    }

    @Test
    void aJsonFileHoldsTheFieldsAsKeysWithScalarValuesAsText() throws IOException {
        Path file = dir.resolve("credentials.json");
        Files.writeString(file, "{\"keyId\": \" id-1 \", \"secret\": \"secret-1\", \"region\": 42, \"other\": {\"a\": [1]}, \"flag\": true}");

        MountedSecret.Fields fields = MountedSecret.jsonFile(WHAT, file, List.of("keyId", "secret", "region", "flag"), REQUIRED).read();

        assertThat(fields.get("keyId")).contains("id-1");
        assertThat(fields.get("region")).contains("42");
        assertThat(fields.get("flag")).contains("true");
        assertThat(fields.names()).containsExactly("flag", "keyId", "region", "secret");
    }

    @Test
    void aJsonFileIsReadAgainAfterItChangesAndAMissingKeyIsNamed() throws IOException {
        Path file = dir.resolve("credentials.json");
        Files.writeString(file, "{\"keyId\": \"id-1\", \"secret\": \"secret-1\"}");
        Files.setLastModifiedTime(file, FileTime.from(T0));
        MountedSecret secret = MountedSecret.jsonFile(WHAT, file, FIELDS, REQUIRED);

        Files.writeString(file, "{\"keyId\": \"id-2\", \"secret\": \"secret-2\"}");
        Files.setLastModifiedTime(file, FileTime.from(T0.plusSeconds(1)));
        assertThat(secret.read().get("keyId")).contains("id-2");

        Files.writeString(file, "{\"keyId\": \"id-3\", \"secret\": null}");
        assertThatThrownBy(secret::read).hasMessageContaining("'secret'").hasMessageContaining(file.toString());
    }

    @Test
    void aJsonFileThatComesBackLookingUnchangedIsReadAgain() throws IOException {
        Path file = dir.resolve("credentials.json");
        Files.writeString(file, "{\"keyId\": \"id-1\", \"secret\": \"secret-1\"}");
        Files.setLastModifiedTime(file, FileTime.from(T0));
        MountedSecret secret = MountedSecret.jsonFile(WHAT, file, FIELDS, REQUIRED);
        Path away = Files.move(file, dir.resolve("elsewhere.json"));

        assertThatThrownBy(secret::read).hasMessageContaining(file.toString());
        // The same inode, size and modification time as before, other contents: only the gap tells.
        Files.writeString(away, "{\"keyId\": \"id-2\", \"secret\": \"secret-2\"}");
        Files.setLastModifiedTime(away, FileTime.from(T0));
        Files.move(away, file);

        assertThat(secret.read().get("keyId")).contains("id-2");
    }

    @Test
    void aJsonFileInAKubernetesVolumeIsReadAgainAfterTheSwap() throws IOException {
        KubernetesSecretVolume volume = KubernetesSecretVolume.create(dir.resolve("secret"),
                Map.of("credentials.json", "{\"keyId\": \"id-A\", \"secret\": \"secret-A\"}"));
        MountedSecret secret = MountedSecret.jsonFile(WHAT, volume.dir().resolve("credentials.json"), FIELDS, REQUIRED);

        volume.publish(Map.of("credentials.json", "{\"keyId\": \"id-B\", \"secret\": \"secret-B\"}"));

        assertThat(secret.read().get("keyId")).contains("id-B");
    }

    @Test
    void invalidJsonIsReportedWithoutQuotingTheFile() throws IOException {
        Path file = dir.resolve("credentials.json");
        Files.writeString(file, "{\"keyId\": \"id-1\",\n \"secret\": s3cr3t-value}");

        assertThatThrownBy(() -> MountedSecret.jsonFile(WHAT, file, FIELDS, REQUIRED))
                .hasMessageContaining("not valid JSON").hasMessageContaining("line 2").hasMessageNotContaining("s3cr3t")
                .hasNoCause();
        Files.writeString(file, "[\"keyId\"]");
        assertThatThrownBy(() -> MountedSecret.jsonFile(WHAT, file, FIELDS, REQUIRED)).hasMessageContaining("must hold a JSON object");
        Files.writeString(file, "{\"keyId\": \"id-1\", \"secret\": [\"s3cr3t\"]}");
        assertThatThrownBy(() -> MountedSecret.jsonFile(WHAT, file, FIELDS, REQUIRED))
                .hasMessageContaining("'secret'").hasMessageContaining("must be a string").hasMessageNotContaining("s3cr3t");
    }

    @Test
    void aLocationIsADirectoryOrAJsonFileByWhatIsThere() throws IOException {
        write("keyId", "dir-id");
        write("secret", "dir-secret");
        Path file = Files.writeString(dir.resolve("c.json"), "{\"keyId\": \"json-id\", \"secret\": \"json-secret\"}");

        assertThat(MountedSecret.directoryOrJsonFile(WHAT, dir, FIELDS, REQUIRED).read().get("keyId")).contains("dir-id");
        assertThat(MountedSecret.directoryOrJsonFile(WHAT, file, FIELDS, REQUIRED).read().get("keyId")).contains("json-id");
    }

    @Test
    void touchedFilesWithTheSameContentGiveEqualFields() throws IOException {
        write("keyId", "id-1", T0);
        write("secret", "secret-1", T0);
        MountedSecret secret = directory();
        MountedSecret.Fields before = secret.read();

        write("secret", "secret-1", T0.plusSeconds(5));

        assertThat(secret.read()).isEqualTo(before);
    }

    @Test
    void valuesNeverShowInTextOrMessages() throws IOException {
        write("keyId", "id-1");
        write("secret", "TOP-SECRET");
        MountedSecret secret = directory();

        assertThat(secret.toString()).contains(dir.toString()).doesNotContain("TOP-SECRET");
        assertThat(secret.read().toString()).contains("secret").doesNotContain("TOP-SECRET");
    }

    private MountedSecret directory() throws IOException {
        return directory(dir);
    }

    private static MountedSecret directory(Path location) throws IOException {
        return MountedSecret.directory(WHAT, location, FIELDS, REQUIRED);
    }

    /** A Kubernetes-style secret volume whose files all carry the modification time T0. */
    private KubernetesSecretVolume volume(String keyId, String secret) throws IOException {
        KubernetesSecretVolume volume = KubernetesSecretVolume.create(dir.resolve("secret"), Map.of());
        volume.publish(Map.of("keyId", keyId, "secret", secret), T0);
        return volume;
    }

    private void write(String name, String value) throws IOException {
        Files.writeString(dir.resolve(name), value);
    }

    private void write(String name, String value, Instant modified) throws IOException {
        write(name, value);
        Files.setLastModifiedTime(dir.resolve(name), FileTime.from(modified));
    }
}
