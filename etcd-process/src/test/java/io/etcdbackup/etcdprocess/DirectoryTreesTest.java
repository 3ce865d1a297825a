package io.etcdbackup.etcdprocess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What a killed task left in a scratch directory is removed by name, and nothing else is. */
class DirectoryTreesTest {

    @TempDir
    Path dir;

    @Test
    void deleteMatchingRemovesOnlyTheMatchingEntriesWithEverythingUnderThem() throws Exception {
        Files.createDirectories(dir.resolve("compact-1a2b/scratch.etcd/member"));
        Files.writeString(dir.resolve("compact-1a2b/scratch.etcd/member/db"), "data");
        Files.writeString(dir.resolve("compacted-9f9f.db"), "snapshot");
        Files.createDirectories(dir.resolve("drill-77aa"));
        Files.writeString(dir.resolve("notes-compact-1"), "kept");

        assertThat(DirectoryTrees.deleteMatching(dir, "compact-*")).containsExactly(dir.resolve("compact-1a2b"));
        assertThat(DirectoryTrees.deleteMatching(dir, "compacted-*.db")).containsExactly(dir.resolve("compacted-9f9f.db"));
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("drill-77aa", "notes-compact-1");
        }
        assertThat(DirectoryTrees.deleteMatching(dir.resolve("absent"), "*")).isEmpty();
    }
}
