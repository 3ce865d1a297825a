package io.etcdbackup.helm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values the chart is tested with: every store provider, TLS off and on (on: client, peer and
 * API TLS from cert-manager, with every optional object switched on), 1, 3 and 5 replicas, and the
 * scratch volume on disk or in memory. 6 x 2 x 3 x 2 = 72 cases.
 */
record ValuesMatrix(String provider, boolean tls, int replicas, boolean memoryScratch) {

    static final List<String> PROVIDERS = List.of("s3", "azblob", "gs", "swift", "oss", "file");

    static List<ValuesMatrix> all() {
        List<ValuesMatrix> cases = new ArrayList<>();
        for (String provider : PROVIDERS) {
            for (boolean tls : new boolean[] {false, true}) {
                for (int replicas : new int[] {1, 3, 5}) {
                    for (boolean memory : new boolean[] {false, true}) {
                        cases.add(new ValuesMatrix(provider, tls, replicas, memory));
                    }
                }
            }
        }
        return cases;
    }

    static String storeUrl(String provider) {
        return switch (provider) {
            case "s3" -> "s3://etcd-backups/prod?region=eu-west-1";
            case "azblob" -> "azblob://etcd-backups/prod";
            case "gs" -> "gs://etcd-backups/prod";
            case "swift" -> "swift://etcd-backups/prod";
            case "oss" -> "oss://etcd-backups/prod?endpoint=https://oss-eu-central-1.aliyuncs.com";
            case "file" -> "file:///var/backups/etcd/prod";
            default -> throw new IllegalArgumentException(provider);
        };
    }

    Map<String, Object> values() {
        Map<String, Object> store = new LinkedHashMap<>();
        store.put("provider", provider);
        store.put("url", storeUrl(provider));
        if (provider.equals("file")) {
            store.put("file", Map.of("existingClaim", "etcd-backups"));
        } else {
            store.put("credentials", Map.of("existingSecret", "store-credentials"));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("replicas", replicas);
        values.put("store", store);
        if (memoryScratch) {
            values.put("scratch", Map.of("medium", "Memory", "sizeLimit", "2Gi"));
        }
        if (tls) {
            values.put("tls", Map.of(
                    "client", Map.of("enabled", true),
                    "peer", Map.of("enabled", true),
                    "api", Map.of("enabled", true),
                    "certManager", Map.of("enabled", true, "issuerRef", Map.of("name", "etcd-ca", "kind", "ClusterIssuer"))));
            values.put("monitoring", Map.of(
                    "serviceMonitor", Map.of("enabled", true, "labels", Map.of("release", "prometheus")),
                    "prometheusRule", Map.of("enabled", true),
                    "grafanaDashboard", Map.of("enabled", true)));
            values.put("encryption", Map.of("existingSecret", "etcd-backup-keys"));
            values.put("networkPolicy", Map.of(
                    "enabled", true,
                    "clientPeers", List.of(Map.of("namespaceSelector", Map.of("matchLabels", Map.of("etcd-client", "true")))),
                    "monitoringPeers", List.of(Map.of("namespaceSelector",
                            Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring"))))));
        }
        return values;
    }

    @Override
    public String toString() {
        return provider + (tls ? ", TLS and optional objects" : ", plain") + ", " + replicas + " replica(s)"
                + (memoryScratch ? ", scratch in memory" : "");
    }
}
