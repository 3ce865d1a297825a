package io.etcdbackup.stores.local;

import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The local store's locked objects (immutable files) and labels (user extended attributes). */
class LocalObjectStoreLocksTest {

    @TempDir
    Path root;

    @Test
    void anImmutableFileIsALockedObjectThatStaysReadable() throws Exception {
        assumeTrue(ImmutableFiles.supportedIn(root), "chattr +i needs root and ext4/xfs/btrfs");
        try (ObjectStore store = LocalStoreProvider.at(root)) {
            store.put("a/locked", "kept".getBytes(StandardCharsets.UTF_8), WriteMode.IF_ABSENT);
            Path file = root.resolve("a/locked");
            ImmutableFiles.lock(file);
            try {
                assertThatThrownBy(() -> store.delete("a/locked")).isInstanceOf(ObjectLockedException.class)
                        .hasMessageContaining("'a/locked'").hasMessageContaining("immutable")
                        .satisfies(e -> assertThat(((ObjectLockedException) e).key()).isEqualTo("a/locked"));
                assertThat(store.readAll("a/locked")).asString(StandardCharsets.UTF_8).isEqualTo("kept");
            } finally {
                ImmutableFiles.unlock(file);
            }
            store.delete("a/locked"); // the lock lifted, the deletion goes through
            assertThat(Files.exists(file)).isFalse();
        }
    }

    @Test
    void labelsAreTheFilesUserAttributes() throws Exception {
        try (ObjectStore store = LocalStoreProvider.at(root)) {
            store.put("snap", new byte[] {1}, WriteMode.IF_ABSENT);
            var view = Files.getFileAttributeView(root.resolve("snap"), UserDefinedFileAttributeView.class);
            assumeTrue(view != null, "no user extended attributes on this file system");
            view.write("X-Etcd-Snapshot-Exclude", ByteBuffer.wrap("true".getBytes(StandardCharsets.UTF_8)));
            assertThat(store.labels("snap")).containsExactly(java.util.Map.entry("x-etcd-snapshot-exclude", "true"));
        }
    }
}
