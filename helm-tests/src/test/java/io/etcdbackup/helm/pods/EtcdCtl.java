package io.etcdbackup.helm.pods;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** etcd's own client, run on the host against the pods' addresses: how the test looks at the cluster. */
final class EtcdCtl {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One entry of {@code member list}: {@code started} once the member ran (it has a name then). */
    record Member(String name, boolean learner, boolean started) {
    }

    /** The keys under a prefix, and the revision they were read at. */
    record Keys(long revision, Map<String, String> values) {
    }

    private final Path etcdctl;
    private final String endpoints;

    /** @param endpoints the client URLs to ask, comma-separated */
    EtcdCtl(Path etcdctl, String endpoints) {
        this.etcdctl = etcdctl;
        this.endpoints = endpoints;
    }

    /** The same client, asking only {@code endpoint} (with serializable reads: that member's own data). */
    EtcdCtl only(String endpoint) {
        return new EtcdCtl(etcdctl, endpoint);
    }

    List<Member> members() throws IOException, InterruptedException {
        List<Member> members = new ArrayList<>();
        for (JsonNode member : run("member", "list", "-w", "json").path("members")) {
            members.add(new Member(member.path("name").asText(), member.path("isLearner").asBoolean(false),
                    !member.path("name").asText().isEmpty()));
        }
        return members;
    }

    /** Puts {@code count} keys {@code prefix/0..count-1}; returns the revision after the last one. */
    long put(String prefix, int count, String value) throws IOException, InterruptedException {
        long revision = 0;
        for (int i = 0; i < count; i++) {
            revision = run("put", prefix + "/" + i, value + "-" + i, "-w", "json").path("header").path("revision").asLong();
        }
        return revision;
    }

    /** Every key under {@code prefix} with its value, linearizable. */
    Keys keys(String prefix) throws IOException, InterruptedException {
        return keys(prefix, false);
    }

    /** As {@link #keys(String)}, from the asked member's own data (serializable): what a member that just caught up holds. */
    Keys localKeys(String prefix) throws IOException, InterruptedException {
        return keys(prefix, true);
    }

    private Keys keys(String prefix, boolean serializable) throws IOException, InterruptedException {
        JsonNode answer = serializable ? run("get", "--prefix", prefix, "--consistency=s", "-w", "json")
                : run("get", "--prefix", prefix, "-w", "json");
        Map<String, String> values = new TreeMap<>();
        for (JsonNode kv : answer.path("kvs")) {
            values.put(decode(kv.path("key").asText()), decode(kv.path("value").asText()));
        }
        return new Keys(answer.path("header").path("revision").asLong(), values);
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private JsonNode run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(etcdctl.toString(), "--endpoints=" + endpoints, "--command-timeout=5s",
                "--dial-timeout=2s"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("ETCDCTL_API", "3");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String error = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("etcdctl " + String.join(" ", args) + " failed: " + error.strip());
        }
        return JSON.readTree(output);
    }
}
