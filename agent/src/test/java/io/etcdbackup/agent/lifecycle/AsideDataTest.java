package io.etcdbackup.agent.lifecycle;

import io.etcdbackup.restore.init.Safeguard;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** A member's data dir moved aside while it rejoins: kept until it votes, never lost to a failed attempt. */
class AsideDataTest {

    @TempDir
    Path dir;

    private Path dataDir;
    private AsideData aside;

    @BeforeEach
    void setUp() {
        dataDir = dir.resolve("etcd-0");
        aside = new AsideData(dataDir);
    }

    private void write(Path root, String file, String content) throws IOException {
        Files.createDirectories(root.resolve(file).getParent());
        Files.writeString(root.resolve(file), content);
    }

    @Test
    void theDataIsKeptNextToTheDataDirOnTheSameVolume() {
        assertThat(aside.location()).isEqualTo(dir.resolve("etcd-0.rejoin"));
        assertThat(aside.exists()).isFalse();
    }

    @Test
    void aDataDirWithDataIsMovedAsideWhole() throws IOException {
        write(dataDir, "member/snap/db", "old database");
        write(dataDir, "member/wal/0.wal", "old wal");

        assertThat(aside.moveAside()).isTrue();

        assertThat(dataDir).doesNotExist();
        assertThat(aside.exists()).isTrue();
        assertThat(aside.location().resolve("member/snap/db")).hasContent("old database");
        assertThat(aside.location().resolve("member/wal/0.wal")).hasContent("old wal");
    }

    @Test
    void aDataDirHoldingOnlyTheSafeguardIsLeftAsItIs() throws IOException {
        Files.createDirectories(dataDir);
        new Safeguard("s3://bucket/etcd", Instant.parse("2026-12-01T08:00:00Z")).writeTo(dataDir);

        assertThat(aside.moveAside()).isFalse();

        assertThat(aside.exists()).isFalse();
        assertThat(Safeguard.read(dataDir)).isPresent();
    }

    @Test
    void anEmptyOrMissingDataDirHasNothingToMove() throws IOException {
        assertThat(aside.moveAside()).isFalse();
        Files.createDirectories(dataDir);
        assertThat(aside.moveAside()).isFalse();
        assertThat(dataDir).isEmptyDirectory();
        assertThat(aside.exists()).isFalse();
    }

    @Test
    void olderDataAsideIsKeptAndTheDataOfTheFailedAttemptAfterItIsDeleted() throws IOException {
        write(dataDir, "member/snap/db", "the member's own data");
        aside.moveAside();
        write(dataDir, "member/snap/db", "half a sync from the leader");

        assertThat(aside.moveAside()).isTrue();

        assertThat(dataDir).doesNotExist();
        assertThat(aside.location().resolve("member/snap/db")).hasContent("the member's own data");
    }

    @Test
    void deleteRemovesTheDataAsideAndDoesNothingWhenThereIsNone() throws IOException {
        write(dataDir, "member/snap/db", "old database");
        aside.moveAside();

        aside.delete();

        assertThat(aside.exists()).isFalse();
        assertThat(aside.location()).doesNotExist();
        aside.delete();
        assertThat(dir).isEmptyDirectory();
    }
}
