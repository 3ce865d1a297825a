package io.etcdbackup.agent.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/** A parsed command's effective option values and where each came from, for validation and {@code --print-config}. */
public final class EffectiveConfig {

    /** What printing shows instead of a secret. */
    public static final String REDACTED = "<redacted>";
    private static final List<String> SECRET_WORDS = List.of("password", "token", "secret", "key-file");

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();

    private final CommandSpec spec;
    private final List<String> problems = new ArrayList<>();
    /** Option name to the option whose value it took ({@link #derive}), for {@link #yaml()}. */
    private final Map<String, String> derivedFrom = new LinkedHashMap<>();

    /** @param spec a command after parsing (its values are the effective ones) */
    public EffectiveConfig(CommandSpec spec) {
        this.spec = spec;
    }

    /** Where the named option's value came from: default, file, env or flag. */
    public LayeredDefaults.Origin origin(OptionSpec option) {
        boolean matched = spec.commandLine() != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption(option);
        if (spec.defaultValueProvider() instanceof LayeredDefaults layered) {
            return layered.origin(option, matched);
        }
        return matched ? LayeredDefaults.Origin.FLAG : LayeredDefaults.Origin.DEFAULT;
    }

    /**
     * Checks one value with a parser that throws {@link IllegalArgumentException} (or another runtime
     * exception naming the reason); a failure is recorded naming the option, the value, its origin and why.
     * An unset option ({@code null}) has nothing to check: required options are picocli's to enforce.
     */
    public void check(String optionName, String value, Consumer<String> parser) {
        parse(optionName, value, text -> {
            parser.accept(text);
            return null;
        });
    }

    /**
     * Parses one value like {@link #check} and returns what the parser made of it: empty when the
     * option is unset, when the parser returns {@code null} (e.g. an empty schedule, meaning none),
     * or when the value is bad (then the failure is recorded).
     */
    public <T> Optional<T> parse(String optionName, String value, Function<String, T> parser) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(parser.apply(value));
        } catch (RuntimeException e) {
            reject(optionName, value, e.getMessage());
            return Optional.empty();
        }
    }

    /** Records a bad value for the named option. */
    public void reject(String optionName, Object value, String why) {
        OptionSpec option = spec.findOption(optionName);
        String origin = option == null ? "" : " (from " + origin(option).label() + ")";
        Object shown = option != null && secret(option) ? REDACTED : value;
        problems.add(optionName + " = '" + shown + "'" + origin + ": " + why);
    }

    /** Whether the named option's value came from a flag, the file or the environment rather than its default. */
    public boolean given(String optionName) {
        return origin(option(optionName)) != LayeredDefaults.Origin.DEFAULT;
    }

    /** The named option as problems show it: {@code --name = 'value' (from origin)}, a secret redacted. */
    public String shown(String optionName) {
        OptionSpec option = option(optionName);
        Object value = option.getValue();
        return optionName + " = '" + (value != null && secret(option) ? REDACTED : value) + "' (from " + originLabel(option) + ")";
    }

    /** The named option's current value (after parsing, and after any {@link #derive}). */
    public Object value(String optionName) {
        return option(optionName).getValue();
    }

    /**
     * Sets the named option's value from another option that says the same thing in other words
     * (one of the reference's flags); {@link #yaml()} then prints the other option as its origin.
     *
     * @param value a value of the option's type
     */
    public void derive(String optionName, Object value, String fromOptionName) {
        OptionSpec option = option(optionName);
        option.setValue(value);
        derivedFrom.put(option.longestName(), fromOptionName);
    }

    private OptionSpec option(String name) {
        OptionSpec option = spec.findOption(name);
        if (option == null) {
            throw new IllegalArgumentException("no option " + name + " in '" + spec.qualifiedName() + "'");
        }
        return option;
    }

    /** The problems recorded so far, one line each, in the order found. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Whether the option's value is never printed: its name has password, token, secret or key-file in it. */
    public static boolean secret(OptionSpec option) {
        String name = LayeredDefaults.key(option).toLowerCase(Locale.ROOT);
        return SECRET_WORDS.stream().anyMatch(name::contains);
    }

    /**
     * Every setting of the command as YAML, one {@code key: value  # origin} line each, in
     * declaration order; a value taken from another option says which ({@code # flag --schedule}). Secret options print {@link #REDACTED} when set; files they name are never read.
     */
    public String yaml() {
        StringBuilder out = new StringBuilder("# effective configuration of '").append(spec.qualifiedName())
                .append("'; origins: default < file < env < flag\n");
        for (OptionSpec option : spec.options()) {
            if (!LayeredDefaults.layered(option)) {
                continue;
            }
            Object value = option.getValue();
            Object printed = value == null ? null
                    : secret(option) ? REDACTED
                    : value instanceof Number || value instanceof Boolean ? value
                    : value instanceof Path path ? path.toString()
                    : String.valueOf(value);
            out.append(line(LayeredDefaults.key(option), printed)).append("  # ").append(originLabel(option)).append('\n');
        }
        return out.toString();
    }

    /** {@code default}, {@code file}, {@code env} or {@code flag}; for a derived value, the origin and name of the option it came from. */
    private String originLabel(OptionSpec option) {
        String from = derivedFrom.get(option.longestName());
        if (from == null) {
            return origin(option).label();
        }
        return origin(option(from)).label() + " " + from;
    }

    private static String line(String key, Object value) {
        try {
            return YAML.writeValueAsString(Map.of(key, value == null ? "" : value)).strip()
                    .replaceFirst(": \"\"$", value == null ? ": null" : ": \"\"");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print " + key, e);
        }
    }
}
