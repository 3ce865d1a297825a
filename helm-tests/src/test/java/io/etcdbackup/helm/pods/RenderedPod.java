package io.etcdbackup.helm.pods;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod template of a rendered StatefulSet, as the kubelet reads it: init containers, containers,
 * volumes, and the volume claim templates each pod gets its own claim from.
 *
 * @param initContainers run one after the other, each to completion, before the containers
 * @param containers     run side by side
 * @param volumes        the pod's volumes by name (the JSON of each: configMap, secret, emptyDir, ...)
 * @param claimTemplates names of the volumes each pod gets a claim of its own for (they outlive the pod)
 */
record RenderedPod(List<Container> initContainers, List<Container> containers, Map<String, JsonNode> volumes,
                   List<String> claimTemplates) {

    /**
     * One container as rendered.
     *
     * @param command the entrypoint override; empty for the image's own
     * @param env     name and JSON (value or valueFrom) of each variable, in order
     * @param mounts  mount path to volume name
     */
    record Container(String name, String image, List<String> command, List<String> args, List<Map.Entry<String, JsonNode>> env,
                     Map<String, String> mounts) {
    }

    /** Reads the pod template of {@code statefulSet}; refuses what this stand-in does not do (subPath mounts). */
    static RenderedPod of(JsonNode statefulSet) {
        JsonNode spec = statefulSet.path("spec").path("template").path("spec");
        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        spec.path("volumes").forEach(volume -> volumes.put(volume.path("name").asText(), volume));
        List<String> claims = new ArrayList<>();
        statefulSet.path("spec").path("volumeClaimTemplates").forEach(claim -> claims.add(claim.path("metadata").path("name").asText()));
        return new RenderedPod(containers(spec.path("initContainers")), containers(spec.path("containers")), volumes, claims);
    }

    /** The container named {@code name}, init or not. */
    Container container(String name) {
        List<Container> all = new ArrayList<>(initContainers);
        all.addAll(containers);
        return all.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("the pod has no container " + name));
    }

    private static List<Container> containers(JsonNode list) {
        List<Container> containers = new ArrayList<>();
        for (JsonNode container : list) {
            List<Map.Entry<String, JsonNode>> env = new ArrayList<>();
            container.path("env").forEach(variable -> env.add(Map.entry(variable.path("name").asText(), variable)));
            Map<String, String> mounts = new LinkedHashMap<>();
            for (JsonNode mount : container.path("volumeMounts")) {
                if (mount.has("subPath")) {
                    throw new IllegalArgumentException("subPath mounts are not supported by this stand-in: " + mount);
                }
                mounts.put(mount.path("mountPath").asText(), mount.path("name").asText());
            }
            containers.add(new Container(container.path("name").asText(), container.path("image").asText(), strings(container.path("command")),
                    strings(container.path("args")), env, mounts));
        }
        return containers;
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        array.forEach(element -> strings.add(element.asText()));
        return strings;
    }
}
