package io.etcdbackup.helm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.gson.JsonParser;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a rendered object against the schema of its kind, refusing unknown fields at any depth.
 *
 * <ul>
 *   <li>Built-in kinds: the official Kubernetes Java client's models (client-java-api), generated from
 *       Kubernetes' OpenAPI spec. Their {@code validateJsonElement} refuses a field the spec does not
 *       define, a required field that is missing and a primitive of the wrong type, recursively.</li>
 *   <li>prometheus-operator's ServiceMonitor and PrometheusRule: fabric8's models of those CRDs, read
 *       with Jackson refusing scalar coercion; fabric8 keeps unknown fields aside (its
 *       {@code additionalProperties}), so every model object reached is checked to hold none.</li>
 *   <li>cert-manager's Certificate: no maintained Java model of it resolves from Maven Central (fabric8's
 *       cert-manager models stop at 6.14), so its fields are checked against cert-manager's v1 API
 *       reference here, by name, at the depths the chart writes.</li>
 * </ul>
 * A kind none of these knows is refused: a new template must bring its validation along.
 */
final class KubernetesSchemas {

    private static final Map<String, Class<?>> BUILT_IN = Map.of(
            "v1/ConfigMap", V1ConfigMap.class,
            "v1/Secret", V1Secret.class,
            "v1/Service", V1Service.class,
            "v1/ServiceAccount", V1ServiceAccount.class,
            "apps/v1/StatefulSet", V1StatefulSet.class,
            "policy/v1/PodDisruptionBudget", V1PodDisruptionBudget.class,
            "rbac.authorization.k8s.io/v1/Role", V1Role.class,
            "rbac.authorization.k8s.io/v1/RoleBinding", V1RoleBinding.class,
            "networking.k8s.io/v1/NetworkPolicy", V1NetworkPolicy.class);

    private static final Map<String, Class<?>> FABRIC8 = Map.of(
            "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class,
            "monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class);

    /** cert-manager.io/v1 Certificate: the fields of each object the chart may write, from cert-manager's API reference. */
    private static final Map<String, Set<String>> CERTIFICATE_FIELDS = Map.of(
            "", Set.of("apiVersion", "kind", "metadata", "spec"),
            "spec", Set.of("secretName", "duration", "renewBefore", "renewBeforePercentage", "issuerRef", "privateKey",
                    "usages", "dnsNames", "ipAddresses", "uris", "emailAddresses", "commonName", "subject", "isCA",
                    "secretTemplate", "keystores", "literalSubject", "otherNames", "revisionHistoryLimit",
                    "additionalOutputFormats", "nameConstraints", "signatureAlgorithm", "encodeUsagesInRequest"),
            "spec.issuerRef", Set.of("name", "kind", "group"),
            "spec.privateKey", Set.of("algorithm", "size", "encoding", "rotationPolicy"));
    private static final Set<String> USAGES = Set.of("signing", "digital signature", "content commitment", "key encipherment",
            "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
            "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system",
            "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc");

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private KubernetesSchemas() {
    }

    /** The problems of one object; empty when it is valid. */
    static List<String> problems(JsonNode object) {
        String type = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        String name = type + " " + object.path("metadata").path("name").asText();
        List<String> problems = new ArrayList<>();
        if (object.path("metadata").path("name").asText().isEmpty()) {
            problems.add(name + ": metadata.name is missing");
        }
        try {
            if (BUILT_IN.containsKey(type)) {
                Method validate = BUILT_IN.get(type).getMethod("validateJsonElement", com.google.gson.JsonElement.class);
                validate.invoke(null, JsonParser.parseString(object.toString()));
            } else if (FABRIC8.containsKey(type)) {
                Object model = STRICT.treeToValue(object, FABRIC8.get(type));
                collectAdditionalProperties(model, "", problems, new IdentityHashMap<>());
            } else if (type.equals("cert-manager.io/v1/Certificate")) {
                checkCertificate(object, problems);
            } else {
                problems.add(name + ": no schema known for this kind");
            }
        } catch (InvocationTargetException e) {
            problems.add(name + ": " + e.getCause().getMessage());
        } catch (IOException | ReflectiveOperationException | RuntimeException e) {
            problems.add(name + ": " + e.getMessage());
        }
        return problems.stream().map(p -> p.startsWith(name) ? p : name + ": " + p).toList();
    }

    private static void collectAdditionalProperties(Object model, String path, List<String> problems,
                                                    IdentityHashMap<Object, Boolean> seen) throws ReflectiveOperationException {
        if (model == null || seen.put(model, Boolean.TRUE) != null) {
            return;
        }
        if (model instanceof Collection<?> collection) {
            int i = 0;
            for (Object element : collection) {
                collectAdditionalProperties(element, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (model instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                collectAdditionalProperties(entry.getValue(), path + "." + entry.getKey(), problems, seen);
            }
            return;
        }
        if (!model.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : model.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object value = getter.invoke(model);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> unknown && !unknown.isEmpty()) {
                    problems.add("unknown field(s) " + unknown.keySet() + " at " + (path.isEmpty() ? "the top" : path));
                }
            } else {
                collectAdditionalProperties(value, path + "." + decapitalize(getter.getName().substring(3)), problems, seen);
            }
        }
    }

    private static void checkCertificate(JsonNode certificate, List<String> problems) {
        CERTIFICATE_FIELDS.forEach((path, allowed) -> {
            JsonNode node = path.isEmpty() ? certificate : certificate.at("/" + path.replace('.', '/'));
            node.fieldNames().forEachRemaining(field -> {
                if (!allowed.contains(field)) {
                    problems.add("unknown field " + (path.isEmpty() ? field : path + "." + field));
                }
            });
        });
        JsonNode spec = certificate.path("spec");
        for (String required : List.of("secretName", "issuerRef")) {
            if (spec.path(required).isMissingNode()) {
                problems.add("spec." + required + " is required");
            }
        }
        if (spec.path("issuerRef").path("name").asText().isEmpty()) {
            problems.add("spec.issuerRef.name is required");
        }
        spec.path("usages").forEach(usage -> {
            if (!USAGES.contains(usage.asText())) {
                problems.add("spec.usages: unknown usage '" + usage.asText() + "'");
            }
        });
        for (String list : List.of("dnsNames", "ipAddresses", "usages")) {
            if (!spec.path(list).isMissingNode() && !spec.path(list).isArray()) {
                problems.add("spec." + list + " must be a list");
            }
        }
    }

    private static String decapitalize(String name) {
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
