package io.etcdbackup.helm;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * The README's values reference, generated: one row per leaf of values.schema.json (key, type and
 * description from the schema, default from values.yaml). Written once, in the schema.
 */
final class ValuesReference {

    static final String BEGIN = "<!-- values reference: generated from helm/etcd-backup-agent/values.schema.json "
            + "by helm-tests (ValuesReferenceTest); -Dchart.update=true rewrites it -->";
    static final String END = "<!-- end of values reference -->";

    private ValuesReference() {
    }

    static String table() {
        try {
            JsonNode schema = Chart.JSON.readTree(Chart.dir().resolve("values.schema.json").toFile());
            JsonNode defaults = Chart.YAML.readTree(Chart.dir().resolve("values.yaml").toFile());
            StringBuilder table = new StringBuilder("| key | type | default | description |\n|---|---|---|---|\n");
            rows(schema, defaults, "", table);
            return table.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void rows(JsonNode schema, JsonNode defaults, String prefix, StringBuilder table) {
        Iterator<Map.Entry<String, JsonNode>> properties = schema.path("properties").properties().iterator();
        while (properties.hasNext()) {
            Map.Entry<String, JsonNode> property = properties.next();
            String key = prefix + property.getKey();
            JsonNode definition = property.getValue();
            JsonNode value = defaults.path(property.getKey());
            if (definition.has("properties")) {
                rows(definition, value, key + ".", table);
                continue;
            }
            if (value.isMissingNode()) {
                throw new AssertionError("values.yaml has no default for " + key);
            }
            String description = definition.path("description").asText();
            if (description.isEmpty()) {
                throw new AssertionError("values.schema.json has no description for " + key);
            }
            if (definition.has("enum")) {
                StringBuilder choices = new StringBuilder();
                definition.path("enum").forEach(choice -> choices.append(choices.length() == 0 ? "" : ", ")
                        .append(choice.asText().isEmpty() ? "`\"\"`" : "`" + choice.asText() + "`"));
                description += " One of " + choices + ".";
            }
            table.append("| `").append(key).append("` | ").append(definition.path("type").asText()).append(" | ")
                    .append(cell(value)).append(" | ").append(description.replace("|", "\\|")).append(" |\n");
        }
    }

    private static String cell(JsonNode value) {
        String text = value.isTextual() ? (value.asText().isEmpty() ? "\"\"" : value.asText()) : value.toString();
        return "`" + text.replace("|", "\\|") + "`";
    }
}
