package io.etcdbackup.plugins.s3;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class MountedCredentialsTest {

    @TempDir
    Path dir;

    private void write(String name, String value, Instant modified) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, value);
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }

    @Test
    void readsTheDirectoryAndRereadsItWhenFilesChange() throws IOException {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        write("accessKeyID", "AKIA1\n", t0);
        write("secretAccessKey", "secret1", t0);
        write("region", "eu-central-1", t0);
        write("s3ForcePathStyle", "true", t0);
        MountedCredentials credentials = MountedCredentials.directory(dir);

        AwsCredentials first = credentials.resolveCredentials();
        assertThat(first.accessKeyId()).isEqualTo("AKIA1");
        assertThat(first.secretAccessKey()).isEqualTo("secret1");
        assertThat(credentials.field("region")).contains("eu-central-1");
        assertThat(credentials.field("s3ForcePathStyle")).contains("true");

        // A rotated secret (Kubernetes swaps the files): the next call sees it.
        Instant t1 = t0.plusSeconds(60);
        write("accessKeyID", "AKIA2", t1);
        write("secretAccessKey", "secret2", t1);
        write("sessionToken", "token2", t1);
        AwsCredentials second = credentials.resolveCredentials();
        assertThat(second).isInstanceOf(AwsSessionCredentials.class);
        assertThat(second.accessKeyId()).isEqualTo("AKIA2");
        assertThat(((AwsSessionCredentials) second).sessionToken()).isEqualTo("token2");
        assertThat(credentials.toString()).doesNotContain("secret2");
    }

    @Test
    void missingRequiredFileIsNamed() throws IOException {
        write("accessKeyID", "AKIA1", Instant.now());
        assertThatThrownBy(() -> MountedCredentials.directory(dir)).hasMessageContaining("secretAccessKey");
        assertThatThrownBy(() -> MountedCredentials.directory(dir.resolve("nope"))).hasMessageContaining("does not exist");
    }

    @Test
    void readsAndRereadsAJsonFile() throws IOException {
        Path json = dir.resolve("credentials.json");
        Files.writeString(json, "{\"accessKeyID\":\"A1\",\"secretAccessKey\":\"S1\",\"region\":\"us-west-2\",\"s3ForcePathStyle\":true}");
        Files.setLastModifiedTime(json, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        MountedCredentials credentials = MountedCredentials.jsonFile(json);

        assertThat(credentials.resolveCredentials().accessKeyId()).isEqualTo("A1");
        assertThat(credentials.field("region")).contains("us-west-2");
        assertThat(credentials.field("s3ForcePathStyle")).contains("true");

        Files.writeString(json, "{\"accessKeyID\":\"A2\",\"secretAccessKey\":\"S2\"}");
        Files.setLastModifiedTime(json, FileTime.from(Instant.parse("2026-01-01T00:01:00Z")));
        assertThat(credentials.resolveCredentials().accessKeyId()).isEqualTo("A2");

        Files.writeString(json, "not json");
        Files.setLastModifiedTime(json, FileTime.from(Instant.parse("2026-01-01T00:02:00Z")));
        assertThatThrownBy(credentials::resolveCredentials).hasMessageContaining("not valid JSON");
    }
}
