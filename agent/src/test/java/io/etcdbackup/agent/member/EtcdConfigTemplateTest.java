package io.etcdbackup.agent.member;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.etcdbackup.agent.member.EtcdConfigTemplate.ClusterState;
import io.etcdbackup.agent.member.EtcdConfigTemplate.MemberIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/** What the rendered etcd config file of one member holds (the reference's {@code /config}). */
class EtcdConfigTemplateTest {

    private static final String CLUSTER = "etcd-main-0=https://etcd-main-0.etcd-main-peer.shoot.svc:2380,"
            + "etcd-main-1=https://etcd-main-1.etcd-main-peer.shoot.svc:2380,"
            + "etcd-main-2=https://etcd-main-2.etcd-main-peer.shoot.svc:2380";

    /** One base file for every member, with our placeholders. */
    private static final String BASE = """
            # etcd --config-file, shared by all members
            name: to-be-replaced
            data-dir: /var/etcd/data/new.etcd
            listen-peer-urls: https://0.0.0.0:2380
            listen-client-urls: https://0.0.0.0:2379
            initial-advertise-peer-urls: https://${POD_NAME}.etcd-main-peer.${POD_NAMESPACE}.svc:2380
            advertise-client-urls: https://${POD_NAME}.etcd-main-peer.${POD_NAMESPACE}.svc:2379
            initial-cluster: %s
            initial-cluster-token: "12345"
            initial-cluster-state: new
            snapshot-count: 75000
            quota-backend-bytes: 8589934592
            enable-v2: false
            auto-compaction-mode: periodic
            auto-compaction-retention: 30m
            client-transport-security:
              cert-file: /var/etcd/ssl/server/tls.crt
              key-file: /var/etcd/ssl/server/tls.key
              client-cert-auth: true
              auto-tls: false
            peer-transport-security:
              cert-file: /var/etcd/ssl/peer/${POD_NAME}.crt
            log-outputs: [stderr]
            """.formatted(CLUSTER);

    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path dir;

    @Test
    void setsTheNameFillsThePlaceholdersAndTheStateAndKeepsEverythingElse() throws Exception {
        String rendered = EtcdConfigTemplate.parse(BASE, "base.yaml").render(MemberIdentity.of("etcd-main-1", "shoot"), ClusterState.NEW);

        Map<String, Object> config = tree(rendered);
        Map<String, Object> expected = tree(BASE);
        expected.put("name", "etcd-main-1");
        expected.put("initial-advertise-peer-urls", "https://etcd-main-1.etcd-main-peer.shoot.svc:2380");
        expected.put("advertise-client-urls", "https://etcd-main-1.etcd-main-peer.shoot.svc:2379");
        expected.put("peer-transport-security", Map.of("cert-file", "/var/etcd/ssl/peer/etcd-main-1.crt"));
        assertThat(config).isEqualTo(expected);
        // Same keys in the same order.
        assertThat(config.keySet()).containsExactlyElementsOf(tree(BASE).keySet());
    }

    @Test
    void keepsEachValuesType() throws Exception {
        Map<String, Object> config = tree(EtcdConfigTemplate.parse(BASE, "base.yaml").render(MemberIdentity.of("etcd-main-0", "shoot"),
                ClusterState.NEW));

        assertThat(config.get("snapshot-count")).isEqualTo(75000);
        assertThat(config.get("quota-backend-bytes")).isEqualTo(8589934592L);
        assertThat(config.get("enable-v2")).isEqualTo(false);
        assertThat(config.get("initial-cluster-token")).as("a string of digits stays a string").isEqualTo("12345");
        assertThat(config.get("log-outputs")).isEqualTo(List.of("stderr"));
    }

    @Test
    void aMemberJoiningARunningClusterGetsStateExisting() throws Exception {
        Map<String, Object> config = tree(EtcdConfigTemplate.parse(BASE, "base.yaml").render(MemberIdentity.of("etcd-main-2", "shoot"),
                ClusterState.EXISTING));

        assertThat(config).contains(entry("initial-cluster-state", "existing"), entry("initial-cluster", CLUSTER));
    }

    @Test
    void theInitialClusterOfAJoiningMemberListsOnlyMembersTheClusterHasAndItself() throws Exception {
        // Scaling from one member to three: etcd-main-1 joins while etcd-main-2 does not exist yet.
        Map<String, Object> config = tree(EtcdConfigTemplate.parse(BASE, "base.yaml").render(MemberIdentity.of("etcd-main-1", "shoot"),
                ClusterState.EXISTING, Set.of("etcd-main-0")));

        assertThat(config.get("initial-cluster")).isEqualTo("etcd-main-0=https://etcd-main-0.etcd-main-peer.shoot.svc:2380,"
                + "etcd-main-1=https://etcd-main-1.etcd-main-peer.shoot.svc:2380");
    }

    @Test
    void theInitStepsFileHasTheStateAndInitialClusterItDecidedWhateverTheTemplateSays() throws Exception {
        String decided = "etcd-main-0=https://etcd-main-0.etcd-main-peer.shoot.svc:2380,"
                + "etcd-main-1=https://etcd-main-1.etcd-main-peer.shoot.svc:2380";
        EtcdConfigTemplate template = EtcdConfigTemplate.parse(BASE, "base.yaml");

        Map<String, Object> config = tree(template.renderDecided(MemberIdentity.of("etcd-main-1", "shoot"), ClusterState.EXISTING, decided));
        Map<String, Object> withoutCluster = tree(EtcdConfigTemplate.parse("data-dir: /var/lib/etcd/data\n", "bare.yaml")
                .renderDecided(MemberIdentity.of("etcd-main-1"), ClusterState.NEW, decided));

        assertThat(config).contains(entry("name", "etcd-main-1"), entry("initial-cluster-state", "existing"),
                entry("initial-cluster", decided), entry("initial-cluster-token", "12345"));
        assertThat(withoutCluster).contains(entry("initial-cluster-state", "new"), entry("initial-cluster", decided));
        assertThatThrownBy(() -> template.renderDecided(MemberIdentity.of("etcd-main-2", "shoot"), ClusterState.NEW, decided))
                .isInstanceOf(ConfigRenderException.class)
                .hasMessageContaining("'initial-cluster' does not name member 'etcd-main-2'");
    }

    @Test
    void addsNameAndStateWhenTheBaseFileHasNone() throws Exception {
        String base = "data-dir: /data\ninitial-cluster: ${POD_NAME}=http://${POD_NAME}:2380\n";

        String rendered = EtcdConfigTemplate.parse(base, "base.yaml").render(MemberIdentity.of("etcd-0"), ClusterState.NEW);

        Map<String, Object> config = tree(rendered);
        assertThat(config.keySet()).containsExactly("name", "data-dir", "initial-cluster", "initial-cluster-state");
        assertThat(config).contains(entry("name", "etcd-0"), entry("initial-cluster", "etcd-0=http://etcd-0:2380"),
                entry("initial-cluster-state", "new"));
    }

    @Test
    void readsEtcdDruidsPerMemberMappings() throws Exception {
        String base = """
                name: etcd-main
                initial-advertise-peer-urls:
                  etcd-main-0:
                  - https://etcd-main-0.etcd-main-peer.shoot.svc:2380
                  etcd-main-1:
                  - https://etcd-main-1.etcd-main-peer.shoot.svc:2380
                  - https://10.0.0.2:2380
                advertise-client-urls:
                  etcd-main-0: https://etcd-main-0.etcd-main-peer.shoot.svc:2379
                  etcd-main-1: https://etcd-main-1.etcd-main-peer.shoot.svc:2379
                initial-cluster: %s
                """.formatted(CLUSTER);
        EtcdConfigTemplate template = EtcdConfigTemplate.parse(base, "druid.yaml");

        Map<String, Object> config = tree(template.render(MemberIdentity.of("etcd-main-1"), ClusterState.NEW));

        assertThat(config).contains(
                entry("initial-advertise-peer-urls", "https://etcd-main-1.etcd-main-peer.shoot.svc:2380,https://10.0.0.2:2380"),
                entry("advertise-client-urls", "https://etcd-main-1.etcd-main-peer.shoot.svc:2379"));
        assertThatThrownBy(() -> template.render(MemberIdentity.of("etcd-main-2"), ClusterState.NEW))
                .isInstanceOf(ConfigRenderException.class)
                .hasMessage("etcd config template druid.yaml: 'initial-advertise-peer-urls' has no entry for member 'etcd-main-2'"
                        + " (it has [etcd-main-0, etcd-main-1])");
    }

    @Test
    void readsEtcdDruidsOlderSchemeServiceNamespacePortForm() throws Exception {
        String base = """
                initial-advertise-peer-urls: https@etcd-main-peer@shoot--dev@2380
                advertise-client-urls: http@etcd-main-peer@shoot--dev@2379
                initial-cluster: %s
                """.formatted(CLUSTER);

        Map<String, Object> config = tree(EtcdConfigTemplate.parse(base, "old.yaml").render(MemberIdentity.of("etcd-main-0"), ClusterState.NEW));

        assertThat(config).contains(
                entry("initial-advertise-peer-urls", "https://etcd-main-0.etcd-main-peer.shoot--dev.svc:2380"),
                entry("advertise-client-urls", "http://etcd-main-0.etcd-main-peer.shoot--dev.svc:2379"));
    }

    @Test
    void listsOfUrlsAndOfClusterEntriesBecomeTheCommaSeparatedStringsEtcdReads() throws Exception {
        String base = """
                advertise-client-urls: [ "https://${POD_NAME}:2379", "https://127.0.0.1:2379" ]
                initial-cluster:
                  - a=https://a:2380
                  - b=https://b:2380
                """;

        Map<String, Object> config = tree(EtcdConfigTemplate.parse(base, "lists.yaml").render(MemberIdentity.of("b"), ClusterState.NEW));

        assertThat(config).contains(entry("advertise-client-urls", "https://b:2379,https://127.0.0.1:2379"),
                entry("initial-cluster", "a=https://a:2380,b=https://b:2380"));
    }

    @Test
    void anInitialClusterWithoutThisMemberIsRefused() {
        EtcdConfigTemplate template = EtcdConfigTemplate.parse(BASE, "base.yaml");

        assertThatThrownBy(() -> template.render(MemberIdentity.of("etcd-main-3", "shoot"), ClusterState.NEW))
                .isInstanceOf(ConfigRenderException.class)
                .hasMessageContaining("'initial-cluster' does not name member 'etcd-main-3'")
                .hasMessageContaining("[etcd-main-0, etcd-main-1, etcd-main-2]");
        assertThatThrownBy(() -> EtcdConfigTemplate.parse("initial-cluster: a=http://a:2380,b\n", "x.yaml")
                .render(MemberIdentity.of("a"), ClusterState.NEW))
                .isInstanceOf(ConfigRenderException.class)
                .hasMessageContaining("entry 'b' is not name=URL");
    }

    @Test
    void anUnknownPlaceholderIsRefusedWhenTheTemplateIsRead() {
        String base = "peer-transport-security:\n  cert-file: /certs/${POD}.crt\n";

        assertThatThrownBy(() -> EtcdConfigTemplate.parse(base, "typo.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("etcd config template typo.yaml: 'peer-transport-security.cert-file' uses unknown placeholder ${POD};"
                        + " known are ${POD_NAME} and ${POD_NAMESPACE} (write $${ for a literal ${)");
    }

    @Test
    void dollarDollarBraceWritesALiteralDollarBrace() throws Exception {
        String base = "initial-cluster-token: cluster-$${POD_NAME}-${POD_NAME}\n";

        Map<String, Object> config = tree(EtcdConfigTemplate.parse(base, "x.yaml").render(MemberIdentity.of("m0"), ClusterState.NEW));

        assertThat(config.get("initial-cluster-token")).isEqualTo("cluster-${POD_NAME}-m0");
    }

    @Test
    void theNamespacePlaceholderNeedsANamespace() {
        EtcdConfigTemplate template = EtcdConfigTemplate.parse(BASE, "base.yaml");

        assertThatThrownBy(() -> template.render(MemberIdentity.of("etcd-main-0"), ClusterState.NEW))
                .isInstanceOf(ConfigRenderException.class)
                .hasMessageContaining("'initial-advertise-peer-urls' uses ${POD_NAMESPACE} but the member's namespace is not known");
    }

    @Test
    void renderingOneMemberDoesNotChangeTheTemplate() throws Exception {
        EtcdConfigTemplate template = EtcdConfigTemplate.parse(BASE, "base.yaml");

        String first = template.render(MemberIdentity.of("etcd-main-0", "shoot"), ClusterState.NEW);
        template.render(MemberIdentity.of("etcd-main-1", "shoot"), ClusterState.EXISTING, Set.of("etcd-main-0"));

        assertThat(template.render(MemberIdentity.of("etcd-main-0", "shoot"), ClusterState.NEW)).isEqualTo(first);
    }

    @Test
    void aBaseFileThatIsNotAMappingOrNotYamlIsRefused() throws Exception {
        assertThatThrownBy(() -> EtcdConfigTemplate.parse("- a\n- b\n", "list.yaml"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("list.yaml must be a mapping");
        assertThatThrownBy(() -> EtcdConfigTemplate.parse("# only a comment\n", "empty.yaml"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty.yaml must be a mapping");
        assertThatThrownBy(() -> EtcdConfigTemplate.parse("name: [unclosed\n", "bad.yaml"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("etcd config template bad.yaml is not valid YAML");
        assertThatThrownBy(() -> EtcdConfigTemplate.parse("initial-cluster:\n  a: http://a:2380\n", "map.yaml"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'initial-cluster' must be a string or a list");
    }

    @Test
    void loadsAFileAndNamesAMissingOne() throws Exception {
        Path file = Files.writeString(dir.resolve("etcd.conf.yaml"), BASE);
        assertThat(tree(EtcdConfigTemplate.load(file).render(MemberIdentity.of("etcd-main-2", "shoot"), ClusterState.NEW)))
                .containsEntry("name", "etcd-main-2");

        Path missing = dir.resolve("missing.yaml");
        assertThatThrownBy(() -> EtcdConfigTemplate.load(missing))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("etcd config template " + missing + " cannot be read");
    }

    @Test
    void aMemberNameMustBeADnsLabel() {
        assertThatThrownBy(() -> MemberIdentity.of("Etcd_0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a DNS label");
        assertThatThrownBy(() -> MemberIdentity.of(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tree(String yaml) throws Exception {
        return YAML.readValue(yaml, LinkedHashMap.class);
    }

    @Test
    void givesTheMemberReconcilerTheMembersPeerUrls() {
        EtcdConfigTemplate template = EtcdConfigTemplate.parse(BASE, "base.yaml");
        assertThat(template.peerUrls(MemberIdentity.of("etcd-main-2", "shoot")))
                .containsExactly(java.net.URI.create("https://etcd-main-2.etcd-main-peer.shoot.svc:2380"));
    }

    @Test
    void givesARestoreTheWholeMembershipAndTokenOfTheTemplate() {
        EtcdConfigTemplate.Membership membership = EtcdConfigTemplate.parse(BASE, "base.yaml")
                .membership(MemberIdentity.of("etcd-main-1", "shoot"));
        assertThat(membership.initialCluster()).hasValue(CLUSTER);
        assertThat(membership.token()).hasValue("12345");
    }

    @Test
    void afterTheReconcilersStartConfigSaysWhatItDecided() throws Exception {
        EtcdConfigTemplate template = EtcdConfigTemplate.parse(BASE, "base.yaml");
        io.etcdbackup.agent.lifecycle.StartResult joined = new io.etcdbackup.agent.lifecycle.StartResult("JOIN", true, false,
                io.etcdbackup.agent.lifecycle.StartPlan.ClusterState.EXISTING,
                "etcd-main-0=https://etcd-main-0.etcd-main-peer.shoot.svc:2380,etcd-main-2=https://etcd-main-2.etcd-main-peer.shoot.svc:2380",
                java.util.OptionalLong.empty(), "joined", java.util.Optional.empty());
        EtcdConfigService service = new EtcdConfigService(template, MemberIdentity.of("etcd-main-2", "shoot"), null,
                () -> java.util.Optional.of(joined));

        Map<String, Object> config = tree(service.render());
        assertThat(config).containsEntry("initial-cluster-state", "existing").containsEntry("initial-cluster",
                "etcd-main-0=https://etcd-main-0.etcd-main-peer.shoot.svc:2380,etcd-main-2=https://etcd-main-2.etcd-main-peer.shoot.svc:2380");
    }
}
