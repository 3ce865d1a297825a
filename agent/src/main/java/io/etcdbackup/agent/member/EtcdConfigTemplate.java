package io.etcdbackup.agent.member;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The etcd configuration file for one member (what the reference serves at {@code /config}),
 * rendered from a base file in etcd's {@code --config-file} YAML format that is the same for every
 * member of the cluster.
 *
 * <p>Rendering, in this order:
 * <ol>
 *   <li>{@code name} becomes the member's name.</li>
 *   <li>Placeholders in any string value, at any depth: {@code ${POD_NAME}} is the member's name,
 *   {@code ${POD_NAMESPACE}} its namespace; {@code $${} writes a literal {@code ${}. Any other
 *   {@code ${...}} is refused when the template is read (a typo never reaches etcd).</li>
 *   <li>{@code initial-advertise-peer-urls} and {@code advertise-client-urls} also take the two forms
 *   etcd-druid writes, so its config maps work unchanged: a mapping from member name to URL(s)
 *   (this member's entry is taken), and {@code scheme@service@namespace@port}, which becomes
 *   {@code scheme://<name>.<service>.<namespace>.svc:<port>}. A list of URLs is joined with commas,
 *   the way etcd reads these keys.</li>
 *   <li>{@code initial-cluster} (a {@code name=url,...} string, or a list of {@code name=url}) must
 *   name this member. When the current members are given (joining a running cluster), entries of
 *   other members that are not in the cluster are dropped: etcd refuses to join with an initial
 *   cluster that lists members the cluster does not have.</li>
 *   <li>{@code initial-cluster-state} becomes {@code new} or {@code existing}, as decided by the
 *   caller ({@code existing} when the member joins a running cluster, as a learner).</li>
 * </ol>
 * Every other key is kept as it is, with its type and in its place. Comments are not kept.
 *
 * <p>Immutable and thread-safe: read once at start-up, render per request.
 */
public final class EtcdConfigTemplate {

    /** The placeholder for the member's name. */
    public static final String POD_NAME = "${POD_NAME}";
    /** The placeholder for the member's namespace. */
    public static final String POD_NAMESPACE = "${POD_NAMESPACE}";

    static final String NAME = "name";
    static final String PEER_URLS = "initial-advertise-peer-urls";
    static final String CLIENT_URLS = "advertise-client-urls";
    static final String INITIAL_CLUSTER = "initial-cluster";
    static final String INITIAL_CLUSTER_STATE = "initial-cluster-state";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\$\\{|\\$\\{([^}]*)}");
    private static final Pattern DRUID_URL = Pattern.compile("(https?)@([^@/:]+)@([^@/:]+)@(\\d{1,5})");
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            // A string that looks like a number stays a string (etcd reads typed fields).
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();

    /** How the member joins. */
    public enum ClusterState {
        /** Bootstrapping a new cluster together with the other members in {@code initial-cluster}. */
        NEW("new"),
        /** Joining a running cluster (as a learner, or after being replaced). */
        EXISTING("existing");

        private final String value;

        ClusterState(String value) {
            this.value = value;
        }

        /** As etcd spells it. */
        public String value() {
            return value;
        }
    }

    /**
     * Who the member is.
     *
     * @param name      the member's name, normally the pod's name (the reference uses
     *                  {@code POD_NAME}); a DNS label
     * @param namespace the pod's namespace, needed only when the template uses
     *                  {@code ${POD_NAMESPACE}}
     */
    public record MemberIdentity(String name, Optional<String> namespace) {
        private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

        public MemberIdentity {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(namespace, "namespace");
            if (!DNS_LABEL.matcher(name).matches()) {
                throw new IllegalArgumentException("member name '" + name
                        + "' is not a DNS label (lower-case letters, digits and '-', at most 63): it goes into host names");
            }
        }

        public static MemberIdentity of(String name) {
            return new MemberIdentity(name, Optional.empty());
        }

        public static MemberIdentity of(String name, String namespace) {
            return new MemberIdentity(name, Optional.of(namespace));
        }
    }

    private final String source;
    private final Map<String, Object> tree;

    private EtcdConfigTemplate(String source, Map<String, Object> tree) {
        this.source = source;
        this.tree = tree;
    }

    /**
     * Reads the base file.
     *
     * @throws IllegalArgumentException when it cannot be read, is not a YAML mapping, or uses an
     *                                  unknown placeholder (naming the file and the key)
     */
    public static EtcdConfigTemplate load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("etcd config template " + file + " cannot be read: " + e, e);
        }
        return parse(text, file.toString());
    }

    /**
     * Reads a base configuration from text.
     *
     * @param source where it came from, for messages
     * @throws IllegalArgumentException as {@link #load}
     */
    public static EtcdConfigTemplate parse(String yaml, String source) {
        Object parsed;
        try {
            parsed = YAML.readValue(yaml, Object.class);
        } catch (MismatchedInputException e) {
            parsed = null; // no content at all (empty, or only comments)
        } catch (JacksonException e) {
            throw new IllegalArgumentException("etcd config template " + source + " is not valid YAML: "
                    + e.getOriginalMessage().replace('\n', ' '), e);
        }
        if (!(parsed instanceof Map<?, ?> map) || map.isEmpty()) {
            throw new IllegalArgumentException("etcd config template " + source
                    + " must be a mapping of etcd option names to values (etcd's --config-file format)");
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        map.forEach((k, v) -> tree.put(String.valueOf(k), v));
        EtcdConfigTemplate template = new EtcdConfigTemplate(source, tree);
        template.checkPlaceholders(tree, "");
        for (String key : List.of(PEER_URLS, CLIENT_URLS, INITIAL_CLUSTER)) {
            Object value = tree.get(key);
            if (value != null && !(value instanceof String) && !(value instanceof List<?>) && !(!key.equals(INITIAL_CLUSTER) && value instanceof Map<?, ?>)) {
                throw new IllegalArgumentException("etcd config template " + source + ": '" + key + "' must be "
                        + (key.equals(INITIAL_CLUSTER) ? "a string or a list" : "a string, a list or a mapping from member name to URLs")
                        + ", got " + value.getClass().getSimpleName());
            }
        }
        return template;
    }

    /**
     * Renders the file for {@code member}, with {@code initial-cluster} as the template has it.
     *
     * @return the YAML text to give etcd as {@code --config-file}
     * @throws ConfigRenderException when the template does not fit this member: no entry for it in
     *                               a per-member mapping or in {@code initial-cluster}, no namespace
     *                               for {@code ${POD_NAMESPACE}}, an entry that is not name=URL
     */
    public String render(MemberIdentity member, ClusterState state) {
        return render(member, state, Optional.empty(), Optional.empty());
    }

    /**
     * Renders as {@link #render(MemberIdentity, ClusterState)}, with {@code initial-cluster}
     * limited to {@code currentMembers} and this member (for a member joining a running cluster).
     *
     * @param currentMembers names of the members the running cluster has (from its member list)
     * @throws ConfigRenderException as {@link #render(MemberIdentity, ClusterState)}
     */
    public String render(MemberIdentity member, ClusterState state, Collection<String> currentMembers) {
        return render(member, state, Optional.of(Set.copyOf(currentMembers)), Optional.empty());
    }

    /**
     * Renders the file the init step writes for etcd, with the {@code initial-cluster} it decided
     * ({@code name=url,...}, naming {@code member}) in place of the template's own.
     *
     * @throws ConfigRenderException as {@link #render(MemberIdentity, ClusterState)}, or when {@code initialCluster} does not name the member
     */
    public String renderDecided(MemberIdentity member, ClusterState state, String initialCluster) {
        Objects.requireNonNull(initialCluster, "initialCluster");
        return render(member, state, Optional.empty(), Optional.of(initialCluster));
    }

    /**
     * The peer URLs the template gives {@code member} ({@code initial-advertise-peer-urls}), for
     * the member reconciler when no {@code --initial-advertise-peer-urls} was given.
     *
     * @throws ConfigRenderException when the template names none for it
     */
    public List<java.net.URI> peerUrls(MemberIdentity member) {
        Object value = memberUrls(PEER_URLS, tree.get(PEER_URLS), member);
        if (value == null) {
            throw new ConfigRenderException("etcd config template " + source + " has no '" + PEER_URLS + "' for member '"
                    + member.name() + "'");
        }
        return java.util.Arrays.stream(String.valueOf(value).split(",")).map(String::strip).filter(u -> !u.isEmpty())
                .map(java.net.URI::create).toList();
    }

    /**
     * The membership a restore of {@code member} must produce when the template is the only source
     * of it (as under etcd-druid): {@code initial-cluster} rendered for the member (every entry) and
     * {@code initial-cluster-token}; empty values when the template has none.
     */
    public Membership membership(MemberIdentity member) {
        Object cluster = initialCluster(tree.get(INITIAL_CLUSTER), member, Optional.empty());
        Object token = tree.get("initial-cluster-token");
        return new Membership(Optional.ofNullable(cluster).map(String::valueOf),
                Optional.ofNullable(token).map(t -> String.valueOf(substitute(String.valueOf(t), member, "initial-cluster-token"))));
    }

    /** {@code initial-cluster} and {@code initial-cluster-token} as the template gives them. */
    public record Membership(Optional<String> initialCluster, Optional<String> token) {
    }

    private String render(MemberIdentity member, ClusterState state, Optional<Set<String>> currentMembers,
                          Optional<String> decidedCluster) {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(state, "state");
        Map<String, Object> out = new LinkedHashMap<>();
        if (!tree.containsKey(NAME)) {
            out.put(NAME, member.name());
        }
        for (Map.Entry<String, Object> entry : tree.entrySet()) {
            String key = entry.getKey();
            Object value = switch (key) {
                case NAME -> member.name();
                case PEER_URLS, CLIENT_URLS -> memberUrls(key, entry.getValue(), member);
                case INITIAL_CLUSTER -> decidedCluster.isPresent() ? decidedCluster.get() : initialCluster(entry.getValue(), member, currentMembers);
                case INITIAL_CLUSTER_STATE -> state.value();
                default -> substitute(entry.getValue(), member, key);
            };
            out.put(key, value);
        }
        out.putIfAbsent(INITIAL_CLUSTER_STATE, state.value());
        if (decidedCluster.isPresent()) {
            out.put(INITIAL_CLUSTER, initialCluster(decidedCluster.get(), member, Optional.empty()));
        }
        try {
            return YAML.writeValueAsString(out);
        } catch (JacksonException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Object memberUrls(String key, Object value, MemberIdentity member) {
        if (value == null) {
            return null;
        }
        if (value instanceof Map<?, ?> perMember) {
            Object own = perMember.get(member.name());
            if (own == null) {
                throw new ConfigRenderException("etcd config template " + source + ": '" + key + "' has no entry for member '"
                        + member.name() + "' (it has " + perMember.keySet().stream().map(String::valueOf).sorted().toList() + ")");
            }
            value = own;
        }
        List<String> urls = new ArrayList<>();
        for (Object url : value instanceof List<?> list ? list : List.of(value)) {
            String text = String.valueOf(substitute(String.valueOf(url), member, key));
            Matcher druid = DRUID_URL.matcher(text);
            if (druid.matches()) {
                text = druid.group(1) + "://" + member.name() + "." + druid.group(2) + "." + druid.group(3) + ".svc:" + druid.group(4);
            }
            for (String part : text.split(",")) {
                if (!part.isBlank()) {
                    urls.add(part.trim());
                }
            }
        }
        if (urls.isEmpty()) {
            throw new ConfigRenderException("etcd config template " + source + ": '" + key + "' is empty for member '" + member.name() + "'");
        }
        return String.join(",", urls);
    }

    private Object initialCluster(Object value, MemberIdentity member, Optional<Set<String>> currentMembers) {
        if (value == null) {
            return null;
        }
        List<String> entries = new ArrayList<>();
        for (Object item : value instanceof List<?> list ? list : List.of(value)) {
            for (String part : String.valueOf(substitute(String.valueOf(item), member, INITIAL_CLUSTER)).split(",")) {
                if (!part.isBlank()) {
                    entries.add(part.trim());
                }
            }
        }
        Set<String> names = new TreeSet<>();
        List<String> kept = new ArrayList<>();
        for (String entry : entries) {
            int equals = entry.indexOf('=');
            if (equals <= 0 || equals == entry.length() - 1) {
                throw new ConfigRenderException("etcd config template " + source + ": '" + INITIAL_CLUSTER + "' entry '" + entry
                        + "' is not name=URL");
            }
            String name = entry.substring(0, equals);
            names.add(name);
            if (currentMembers.isEmpty() || currentMembers.get().contains(name) || name.equals(member.name())) {
                kept.add(entry);
            }
        }
        if (!names.contains(member.name())) {
            throw new ConfigRenderException("etcd config template " + source + ": '" + INITIAL_CLUSTER + "' does not name member '"
                    + member.name() + "' (it names " + names + "); etcd would refuse to start");
        }
        return String.join(",", kept);
    }

    /** Replaces the placeholders in every string inside {@code value}. */
    private Object substitute(Object value, MemberIdentity member, String key) {
        if (value instanceof String text) {
            return replacePlaceholders(text, member, key);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(v -> substitute(v, member, key)).collect(Collectors.toList());
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(k, substitute(v, member, key + "." + k)));
            return copy;
        }
        return value;
    }

    private String replacePlaceholders(String text, MemberIdentity member, String key) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String replacement;
            if (matcher.group().equals("$${")) {
                replacement = "${";
            } else if (matcher.group().equals(POD_NAME)) {
                replacement = member.name();
            } else if (member.namespace().isPresent()) { // ${POD_NAMESPACE}: the only other one parse() lets through
                replacement = member.namespace().get();
            } else {
                throw new ConfigRenderException("etcd config template " + source + ": '" + key + "' uses " + POD_NAMESPACE
                        + " but the member's namespace is not known (set POD_NAMESPACE)");
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private void checkPlaceholders(Object value, String key) {
        if (value instanceof String text) {
            Matcher matcher = PLACEHOLDER.matcher(text);
            while (matcher.find()) {
                String found = matcher.group();
                if (!found.equals("$${") && !found.equals(POD_NAME) && !found.equals(POD_NAMESPACE)) {
                    throw new IllegalArgumentException("etcd config template " + source + ": '" + key + "' uses unknown placeholder "
                            + found + "; known are " + POD_NAME + " and " + POD_NAMESPACE + " (write $${ for a literal ${)");
                }
            }
        } else if (value instanceof List<?> list) {
            list.forEach(v -> checkPlaceholders(v, key));
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> checkPlaceholders(v, key.isEmpty() ? String.valueOf(k) : key + "." + k));
        }
    }

    @Override
    public String toString() {
        return "EtcdConfigTemplate[" + source + "]";
    }
}
