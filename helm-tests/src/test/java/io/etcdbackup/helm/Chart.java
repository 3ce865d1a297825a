package io.etcdbackup.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The chart in the repository ({@code helm/etcd-backup-agent}), rendered and linted by embedded Helm.
 * Renders use release {@value #RELEASE} in namespace {@value #NAMESPACE}.
 */
public final class Chart {

    public static final String RELEASE = "prod";
    public static final String NAMESPACE = "etcd";
    public static final String FULLNAME = "prod-etcd-backup-agent";
    /** helm-java would render for Kubernetes 1.20, below the chart's kubeVersion. */
    static final String KUBE_VERSION = "v1.33.0";

    public static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    private Chart() {
    }

    static Path root() {
        return Paths.get(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    }

    static Path dir() {
        return root().resolve("helm/etcd-backup-agent");
    }

    static boolean updateRequested() {
        return Boolean.getBoolean("chart.update");
    }

    /**
     * helm template with these values over the chart's own; throws what Helm says when it refuses.
     * helm-java prints only the release's manifest, without the hooks that {@code helm template}
     * prints after it; so the chart is rendered from a copy whose hook annotations carry another key
     * (Helm then keeps those objects in the manifest), and the key is put back in the output.
     */
    public static String template(Map<String, Object> values, Path workDir) {
        Path copy = copy(workDir);
        try (Stream<Path> templates = Files.list(copy.resolve("templates"))) {
            for (Path file : (Iterable<Path>) templates::iterator) {
                Files.writeString(file, Files.readString(file).replace(HOOK, HOOK_IN_MANIFEST));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TemplateCommand template = new Helm(copy).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        if (!values.isEmpty()) {
            template = template.withValuesFile(write(workDir.resolve("values-" + System.nanoTime() + ".yaml"), values));
        }
        return template.call().replace(HOOK_IN_MANIFEST, HOOK);
    }

    private static final String HOOK = "helm.sh/hook";
    private static final String HOOK_IN_MANIFEST = "rendered-by-test.invalid/hook";

    private static Path copy(Path workDir) {
        Path copy = workDir.resolve("chart-" + System.nanoTime()).resolve("etcd-backup-agent");
        copyTree(dir(), copy);
        return copy;
    }

    /**
     * helm lint --strict of the chart with these values. helm-java's lint takes no values file, so
     * the chart is copied and its values.yaml replaced by the chart's values merged with these.
     */
    static LintResult lintStrict(Map<String, Object> values, Path workDir) {
        Path copy = copy(workDir);
        try {
            ObjectNode merged = (ObjectNode) YAML.readTree(dir().resolve("values.yaml").toFile());
            merge(merged, JSON.valueToTree(values));
            YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Helm(copy).lint().strict().call();
    }

    /** Every object of a rendered manifest stream, in order. */
    public static List<JsonNode> objects(String manifest) {
        List<JsonNode> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(manifest)) {
            Iterator<JsonNode> documents = YAML.readValues(parser, JsonNode.class);
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && !document.isMissingNode() && !document.isNull()) {
                    objects.add(document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return objects;
    }

    public static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> matching = objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + kind + ", found " + matching.size());
        }
        return matching.get(0);
    }

    static JsonNode container(JsonNode statefulSet, String list, String name) {
        for (JsonNode container : statefulSet.path("spec").path("template").path("spec").path(list)) {
            if (name.equals(container.path("name").asText())) {
                return container;
            }
        }
        throw new AssertionError("no " + list + " entry named " + name);
    }

    static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        array.forEach(element -> strings.add(element.asText()));
        return strings;
    }

    private static Path write(Path file, Map<String, Object> values) {
        try {
            Files.createDirectories(file.getParent());
            YAML.writeValue(file.toFile(), values);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void merge(ObjectNode target, JsonNode overlay) {
        overlay.properties().forEach(entry -> {
            JsonNode existing = target.get(entry.getKey());
            if (existing instanceof ObjectNode object && entry.getValue().isObject()) {
                merge(object, entry.getValue());
            } else {
                target.set(entry.getKey(), entry.getValue());
            }
        });
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
