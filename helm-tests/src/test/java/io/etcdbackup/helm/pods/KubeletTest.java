package io.etcdbackup.helm.pods;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The two changes the kubelet stand-in makes to what the chart renders, and the one expansion the kubelet itself makes. */
class KubeletTest {

    @Test
    void variables_are_expanded_as_the_kubelet_expands_them() {
        Map<String, String> env = Map.of("POD_NAME", "prod-etcd-backup-agent-1");

        assertThat(Kubelet.expand("--name=$(POD_NAME)", env)).isEqualTo("--name=prod-etcd-backup-agent-1");
        assertThat(Kubelet.expand("http://$(POD_NAME).peer:2380,$(UNDEFINED)", env))
                .isEqualTo("http://prod-etcd-backup-agent-1.peer:2380,$(UNDEFINED)");
        assertThat(Kubelet.expand("price: $$(POD_NAME)", env)).isEqualTo("price: $(POD_NAME)");
    }

    @Test
    void mount_paths_become_their_folders_only_as_whole_path_prefixes_and_only_once() {
        Map<String, Path> mounts = new LinkedHashMap<>();
        mounts.put("/tmp", Path.of("/tmp/junit/pods/p-0/volumes/tmp"));
        mounts.put("/var/lib/etcd", Path.of("/tmp/junit/claims/data-p-0"));
        mounts.put("/var/lib/etcd-scratch", Path.of("/tmp/junit/pods/p-0/volumes/scratch"));
        Kubelet.PathRewriter rewriter = new Kubelet.PathRewriter(mounts);

        assertThat(rewriter.rewrite("--data-dir=/var/lib/etcd/data")).isEqualTo("--data-dir=/tmp/junit/claims/data-p-0/data");
        assertThat(rewriter.rewrite("--scratch-dir=/var/lib/etcd-scratch")).isEqualTo("--scratch-dir=/tmp/junit/pods/p-0/volumes/scratch");
        assertThat(rewriter.rewrite("data-dir: /var/lib/etcd/data\nx: /var/tmp/y\n"))
                .isEqualTo("data-dir: /tmp/junit/claims/data-p-0/data\nx: /var/tmp/y\n");
        assertThat(rewriter.rewrite("file:///var/lib/etcd/backups")).isEqualTo("file:///tmp/junit/claims/data-p-0/backups");
    }
}
