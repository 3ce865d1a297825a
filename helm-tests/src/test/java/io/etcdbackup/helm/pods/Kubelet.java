package io.etcdbackup.helm.pods;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcdbackup.etcdprocess.testing.PodNetwork;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A stand-in for the kubelet: runs the pods of one rendered StatefulSet as processes, each pod in
 * its own network namespace ({@link PodNetwork}), with its volumes as folders.
 *
 * <p>What it does as the kubelet does: init containers one after the other, each to a successful
 * end, then the containers side by side; environment variables from values, the pod's fields
 * ({@code metadata.name}, {@code metadata.namespace}, {@code status.podIP}) and Secrets;
 * {@code $(VAR)} in commands, arguments and values; ConfigMap and Secret volumes as files, a new
 * {@code emptyDir} for every start of the pod, and a claim per pod from each volume claim template,
 * which outlives the pod.
 *
 * <p>What it changes, and only that: a program's path inside an image becomes its path on this
 * machine ({@link HostImages}), and a mount path becomes the folder standing in for the volume,
 * wherever it appears in a command, an argument, a variable or a mounted ConfigMap's file. What it
 * does not do: restart containers, run probes, enforce resources, or run as the pod's user (the
 * processes run as root here; {@code ImageIT} shows the image runs as 65532).
 */
final class Kubelet {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final String PATH_CHAR = "[A-Za-z0-9._-]";

    private final RenderedPod template;
    private final Map<String, JsonNode> objects;
    private final HostImages images;
    private final Path root;
    private final Map<String, Path> sharedClaims;
    private final Map<String, String> platformEnv;
    private final String namespace;

    /**
     * @param objects      the rendered ConfigMaps and Secrets, by {@code Kind/name}
     * @param root         where the pods' folders go
     * @param sharedClaims folders standing in for existing claims the pods mount, by claim name
     * @param platformEnv  variables the platform gives every container beyond its spec (the
     *                     service account's API access, {@code HOME})
     */
    Kubelet(RenderedPod template, Map<String, JsonNode> objects, HostImages images, Path root, Map<String, Path> sharedClaims,
            Map<String, String> platformEnv, String namespace) {
        this.template = template;
        this.objects = Map.copyOf(objects);
        this.images = images;
        this.root = root;
        this.sharedClaims = Map.copyOf(sharedClaims);
        this.platformEnv = Map.copyOf(platformEnv);
        this.namespace = namespace;
    }

    /** The folder standing in for pod {@code podName}'s claim from template {@code claim}: it outlives the pod. */
    Path claim(String claim, String podName) {
        return root.resolve("claims").resolve(claim + "-" + podName);
    }

    /** Starts pod {@code podName} in {@code network}: its init containers now, in the background, then its containers. */
    RunningPod start(String podName, PodNetwork.Pod network) throws IOException {
        Path podDir = root.resolve("pods").resolve(podName);
        Map<String, Path> volumes = volumes(podName, podDir);
        Map<String, Path> mountPoints = new LinkedHashMap<>();
        for (RenderedPod.Container container : allContainers()) {
            container.mounts().forEach((mountPath, volume) -> {
                Path previous = mountPoints.put(mountPath, volumes.get(volume));
                if (previous != null && !previous.equals(volumes.get(volume))) {
                    throw new IllegalArgumentException(mountPath + " is two volumes in pod " + podName);
                }
            });
        }
        PathRewriter rewriter = new PathRewriter(mountPoints);
        writeConfigMaps(volumes, rewriter);
        List<ContainerCommand> inits = new ArrayList<>();
        for (RenderedPod.Container container : template.initContainers()) {
            inits.add(command(container, podName, network, rewriter));
        }
        List<ContainerCommand> containers = new ArrayList<>();
        for (RenderedPod.Container container : template.containers()) {
            containers.add(command(container, podName, network, rewriter));
        }
        return RunningPod.start(podName, Files.createDirectories(podDir.resolve("logs")), inits, containers);
    }

    /** A container's process as the kubelet would start it, with the changes the class comment lists. */
    record ContainerCommand(String name, List<String> command, Map<String, String> env) {
    }

    private ContainerCommand command(RenderedPod.Container container, String podName, PodNetwork.Pod network, PathRewriter rewriter) {
        Map<String, String> env = new LinkedHashMap<>(platformEnv);
        env.put("PATH", images.path());
        for (Map.Entry<String, JsonNode> variable : container.env()) {
            env.put(variable.getKey(), rewriter.rewrite(value(variable.getValue(), env, podName, network)));
        }
        List<String> command = new ArrayList<>();
        if (container.command().isEmpty()) {
            command.addAll(images.entrypoint(container.image()));
        } else {
            command.add(images.program(container.command().get(0)));
            container.command().stream().skip(1).forEach(part -> command.add(rewriter.rewrite(expand(part, env))));
        }
        container.args().forEach(arg -> command.add(rewriter.rewrite(expand(arg, env))));
        return new ContainerCommand(container.name(), network.command(command), env);
    }

    private String value(JsonNode variable, Map<String, String> env, String podName, PodNetwork.Pod network) {
        if (variable.has("value")) {
            return expand(variable.path("value").asText(), env);
        }
        JsonNode from = variable.path("valueFrom");
        if (from.has("fieldRef")) {
            String field = from.path("fieldRef").path("fieldPath").asText();
            return switch (field) {
                case "metadata.name" -> podName;
                case "metadata.namespace" -> namespace;
                case "status.podIP" -> network.address();
                default -> throw new IllegalArgumentException("no stand-in for field " + field);
            };
        }
        if (from.has("secretKeyRef")) {
            JsonNode ref = from.path("secretKeyRef");
            return new String(Base64.getDecoder().decode(object("Secret", ref.path("name").asText()).path("data").path(ref.path("key").asText())
                    .asText()), StandardCharsets.UTF_8);
        }
        throw new IllegalArgumentException("no stand-in for variable " + variable);
    }

    /** Kubernetes' {@code $(VAR)}: a variable defined so far is replaced, {@code $$} is a literal {@code $}, anything else stays. */
    static String expand(String text, Map<String, String> env) {
        Matcher matcher = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String replacement = matcher.group(1) == null ? "$" : env.getOrDefault(matcher.group(1), matcher.group());
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private Map<String, Path> volumes(String podName, Path podDir) throws IOException {
        Map<String, Path> folders = new LinkedHashMap<>();
        Path emptyDirs = podDir.resolve("volumes");
        deleteTree(emptyDirs); // a new pod gets new emptyDirs, ConfigMaps and Secrets
        for (String claim : template.claimTemplates()) {
            folders.put(claim, Files.createDirectories(claim(claim, podName)));
        }
        for (Map.Entry<String, JsonNode> entry : template.volumes().entrySet()) {
            JsonNode volume = entry.getValue();
            Path folder = emptyDirs.resolve(entry.getKey());
            if (volume.has("persistentVolumeClaim")) {
                String claim = volume.path("persistentVolumeClaim").path("claimName").asText();
                folder = sharedClaims.get(claim);
                if (folder == null) {
                    throw new IllegalArgumentException("no folder stands in for claim " + claim);
                }
            } else if (volume.has("secret")) {
                Files.createDirectories(folder);
                for (Map.Entry<String, JsonNode> data : object("Secret", volume.path("secret").path("secretName").asText()).path("data")
                        .properties()) {
                    Files.write(folder.resolve(data.getKey()), Base64.getDecoder().decode(data.getValue().asText()));
                }
            } else if (volume.has("emptyDir") || volume.has("configMap")) {
                Files.createDirectories(folder);
            } else {
                throw new IllegalArgumentException("no stand-in for volume " + volume);
            }
            folders.put(entry.getKey(), folder);
        }
        return folders;
    }

    /** A ConfigMap's files, with mount paths in them pointing at this pod's folders (the config names etcd's data dir and certificates). */
    private void writeConfigMaps(Map<String, Path> volumes, PathRewriter rewriter) throws IOException {
        for (Map.Entry<String, JsonNode> entry : template.volumes().entrySet()) {
            if (entry.getValue().has("configMap")) {
                JsonNode configMap = object("ConfigMap", entry.getValue().path("configMap").path("name").asText());
                for (Map.Entry<String, JsonNode> data : configMap.path("data").properties()) {
                    Files.writeString(volumes.get(entry.getKey()).resolve(data.getKey()), rewriter.rewrite(data.getValue().asText()));
                }
            }
        }
    }

    private JsonNode object(String kind, String name) {
        JsonNode object = objects.get(kind + "/" + name);
        if (object == null) {
            throw new IllegalArgumentException("the render has no " + kind + " " + name);
        }
        return object;
    }

    private List<RenderedPod.Container> allContainers() {
        List<RenderedPod.Container> all = new ArrayList<>(template.initContainers());
        all.addAll(template.containers());
        return all;
    }

    /**
     * Replaces mount paths, where they stand as whole path prefixes, by the folders standing in for
     * them: in one pass (a replaced folder is never rewritten again), the longest path first.
     */
    record PathRewriter(Map<String, Path> mountPoints) {
        String rewrite(String text) {
            String alternatives = String.join("|", mountPoints.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed())
                    .map(Pattern::quote).toList());
            Pattern pattern = Pattern.compile("(?<!" + PATH_CHAR + ")(" + alternatives + ")(?!" + PATH_CHAR + ")");
            return pattern.matcher(text).replaceAll(match -> Matcher.quoteReplacement(mountPoints.get(match.group(1)).toString()));
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
