package io.etcdbackup.stores.credentials;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class MountedFileTest {

    private static final String WHAT = "test key (TEST_CREDENTIALS)";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    /** Counts parses; refuses content starting with "bad" (without quoting it, as the contract asks). */
    private final AtomicInteger parses = new AtomicInteger();
    private final MountedFile.Parser<String> parser = bytes -> {
        parses.incrementAndGet();
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.startsWith("bad")) {
            throw new IOException("not a key");
        }
        return text;
    };

    @Test
    void theFileIsParsedWhenOpenedAndNotAgainWhileItIsUnchanged() throws IOException {
        Path file = Files.writeString(dir.resolve("key.json"), "key-1");

        MountedFile<String> mounted = MountedFile.open(WHAT, file, parser);

        assertThat(mounted.read()).isEqualTo("key-1");
        assertThat(mounted.read()).isEqualTo("key-1");
        assertThat(parses).hasValue(1);
        assertThat(mounted.location()).isEqualTo(file);
    }

    @Test
    void aRewrittenFileIsParsedByTheNextCall() throws IOException {
        Path file = Files.writeString(dir.resolve("key.json"), "key-1");
        MountedFile<String> mounted = MountedFile.open(WHAT, file, parser);

        Files.writeString(file, "key-22");

        assertThat(mounted.read()).isEqualTo("key-22");
    }

    @Test
    void aTouchedFileWithTheSameBytesKeepsItsParsedValue() throws IOException {
        Path file = Files.writeString(dir.resolve("key.json"), "key-1");
        MountedFile<String> mounted = MountedFile.open(WHAT, file, parser);
        String before = mounted.read();

        Files.setLastModifiedTime(file, FileTime.from(T0));

        assertThat(mounted.read()).isSameAs(before);
        assertThat(parses).hasValue(1);
    }

    @Test
    void aKubernetesRotationIsSeenThroughTheDataSymlinkSwapEvenWithEqualTimesAndSizes() throws IOException {
        KubernetesSecretVolume volume = KubernetesSecretVolume.create(dir.resolve("secret"), Map.of());
        volume.publish(Map.of("key.json", "key-A"), T0);
        MountedFile<String> mounted = MountedFile.open(WHAT, volume.dir().resolve("key.json"), parser);

        volume.publish(Map.of("key.json", "key-B"), T0);

        assertThat(mounted.read()).isEqualTo("key-B");
    }

    @Test
    void aBrokenVersionFailsEachCallByNameWithoutTheOldValueUntilAGoodVersionArrives() throws IOException {
        KubernetesSecretVolume volume = KubernetesSecretVolume.create(dir.resolve("secret"), Map.of("key.json", "key-A"));
        Path file = volume.dir().resolve("key.json");
        MountedFile<String> mounted = MountedFile.open(WHAT, file, parser);

        volume.publish(Map.of("key.json", "bad-SECRET-B"));

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(mounted::read).isInstanceOf(IOException.class)
                    .hasMessageContaining(WHAT).hasMessageContaining(file.toString()).hasMessageContaining("not a key")
                    .hasMessageNotContaining("SECRET-B");
        }

        volume.publish(Map.of("key.json", "key-C"));

        assertThat(mounted.read()).isEqualTo("key-C");
    }

    @Test
    void aMissingFileIsNamedWhenOpenedAndWhenItDisappearsLater() throws IOException {
        Path missing = dir.resolve("nope.json");
        assertThatThrownBy(() -> MountedFile.open(WHAT, missing, parser)).isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString());

        Path file = Files.writeString(dir.resolve("key.json"), "key-1");
        MountedFile<String> mounted = MountedFile.open(WHAT, file, parser);
        Files.delete(file);

        assertThatThrownBy(mounted::read).isInstanceOf(IOException.class).hasMessageContaining(file.toString());
        Files.writeString(file, "key-2");
        assertThat(mounted.read()).isEqualTo("key-2");
    }

    @Test
    void aFileThatComesBackLookingUnchangedIsReadAgain() throws IOException {
        Path file = Files.writeString(dir.resolve("key.json"), "key-1");
        MountedFile<String> mounted = MountedFile.open(WHAT, file, parser);
        FileTime modified = Files.getLastModifiedTime(file);
        Path away = Files.move(file, dir.resolve("elsewhere.json"));

        assertThatThrownBy(mounted::read).isInstanceOf(IOException.class).hasMessageContaining(file.toString());
        // The same inode, size and modification time as before, other contents: only the gap tells.
        Files.writeString(away, "key-2");
        Files.setLastModifiedTime(away, modified);
        Files.move(away, file);

        assertThat(mounted.read()).isEqualTo("key-2");
    }

    @Test
    void theTextNeverShowsTheContents() throws IOException {
        Path file = Files.writeString(dir.resolve("key.json"), "TOP-SECRET");

        assertThat(MountedFile.open(WHAT, file, parser).toString()).contains(file.toString()).doesNotContain("TOP-SECRET");
    }
}
