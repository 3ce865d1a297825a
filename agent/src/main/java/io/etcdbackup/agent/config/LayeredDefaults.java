package io.etcdbackup.agent.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Option values below the command line: built-in defaults (the annotations) &lt; YAML file
 * ({@code --config}) &lt; environment ({@code EBA_} + option name, e.g. {@code EBA_DELTA_PERIOD}).
 * Flags override all of them because picocli only asks for a default when the flag is absent.
 *
 * <p>The file is read once, when this is built; what is wrong with it (unreadable, not YAML,
 * unknown keys, {@code ${VAR}} not set) is collected in {@link #problems()} instead of thrown, so
 * that start-up reports it together with every other bad value.
 */
public final class LayeredDefaults implements CommandLine.IDefaultValueProvider {

    /** Where an effective value came from, lowest precedence first. */
    public enum Origin {
        DEFAULT, FILE, ENV, FLAG;

        /** As printed: {@code default}, {@code file}, {@code env}, {@code flag}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Prefix of the environment variables that set options. */
    public static final String ENV_PREFIX = "EBA_";
    /** The option naming the YAML file. */
    public static final String CONFIG_OPTION = "--config";

    // Actions, not settings: never taken from the file or the environment.
    private static final Set<String> NOT_LAYERED = Set.of("help", "version", "print-config");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final Map<String, String> env;
    private final Map<String, String> file;
    private final Optional<Path> configFile;
    private final List<String> problems;

    private LayeredDefaults(Map<String, String> env, Map<String, String> file, Optional<Path> configFile, List<String> problems) {
        this.env = Map.copyOf(env);
        this.file = Map.copyOf(file);
        this.configFile = configFile;
        this.problems = List.copyOf(problems);
    }

    /**
     * Reads the configuration file, if any, and checks its keys.
     *
     * @param configFile the YAML file, from {@link #configFile}
     * @param env        the process environment (tests pass a map)
     * @param knownKeys  every option name the agent has, without leading dashes
     */
    public static LayeredDefaults load(Optional<Path> configFile, Map<String, String> env, Collection<String> knownKeys) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (configFile.isPresent()) {
            Path path = configFile.get();
            Map<?, ?> tree = Map.of();
            try {
                Object parsed = new ObjectMapper(new YAMLFactory()).readValue(Files.readString(path, StandardCharsets.UTF_8), Object.class);
                if (parsed instanceof Map<?, ?> map) {
                    tree = map;
                } else if (parsed != null) {
                    problems.add("config file " + path + ": expected a mapping of option names to values");
                }
            } catch (JacksonException e) {
                problems.add("config file " + path + ": not valid YAML: " + e.getOriginalMessage().replace('\n', ' '));
            } catch (IOException e) {
                problems.add("config file " + path + ": cannot read it: " + e);
            }
            for (Map.Entry<?, ?> entry : tree.entrySet()) {
                String key = String.valueOf(entry.getKey());
                if (!knownKeys.contains(key) || NOT_LAYERED.contains(key) || key.equals(name(CONFIG_OPTION))) {
                    problems.add("config file " + path + ": unknown key '" + key + "'");
                    continue;
                }
                Object value = entry.getValue();
                if (value == null) {
                    continue; // "key:" with nothing is the same as leaving it out
                }
                if (value instanceof Map<?, ?>) {
                    problems.add("config file " + path + ": key '" + key + "' must be a single value, not a mapping");
                    continue;
                }
                // A list is written the way the flag takes it: comma-separated (endpoints).
                String text = value instanceof List<?> list
                        ? list.stream().map(String::valueOf).collect(Collectors.joining(","))
                        : String.valueOf(value);
                values.put(key, expand(text, env, path, key, problems));
            }
        }
        return new LayeredDefaults(env, values, configFile, problems);
    }

    /**
     * The configuration file named by {@code --config FILE} or {@code --config=FILE} in the raw
     * arguments (read before parsing, because the defaults depend on it), else by {@code EBA_CONFIG}.
     */
    public static Optional<Path> configFile(String[] args, Map<String, String> env) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) {
                break;
            }
            if (args[i].equals(CONFIG_OPTION) && i + 1 < args.length) {
                return Optional.of(Path.of(args[i + 1]));
            }
            if (args[i].startsWith(CONFIG_OPTION + "=")) {
                return Optional.of(Path.of(args[i].substring(CONFIG_OPTION.length() + 1)));
            }
        }
        return Optional.ofNullable(env.get(envName(name(CONFIG_OPTION)))).filter(s -> !s.isBlank()).map(Path::of);
    }

    /** An option's key in the file: its longest name without the dashes ({@code delta-period}). */
    public static String key(OptionSpec option) {
        return name(option.longestName());
    }

    /** The environment variable for a key: {@code delta-period} is {@code EBA_DELTA_PERIOD}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Whether the option takes values from the file and the environment (settings do; help does not). */
    public static boolean layered(OptionSpec option) {
        return !option.usageHelp() && !option.versionHelp() && !NOT_LAYERED.contains(key(option));
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !layered(option)) {
            return null;
        }
        String key = key(option);
        String fromEnv = env.get(envName(key));
        if (fromEnv != null) {
            return fromEnv;
        }
        return file.get(key); // null: picocli falls back to the annotation's default
    }

    /** Where the option's effective value came from; {@code matched} is whether it was on the command line. */
    public Origin origin(OptionSpec option, boolean matched) {
        if (matched) {
            return Origin.FLAG;
        }
        if (!layered(option)) {
            return Origin.DEFAULT;
        }
        String key = key(option);
        if (env.containsKey(envName(key))) {
            return Origin.ENV;
        }
        return file.containsKey(key) ? Origin.FILE : Origin.DEFAULT;
    }

    /** The configuration file these defaults were read from. */
    public Optional<Path> configFile() {
        return configFile;
    }

    /** What is wrong with the configuration file, one line each; empty when nothing is. */
    public List<String> problems() {
        return problems;
    }

    private static String expand(String text, Map<String, String> env, Path path, String key, List<String> problems) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                problems.add("config file " + path + ": key '" + key + "' uses ${" + m.group(1) + "}, which is not set in the environment");
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String name(String option) {
        return option.replaceFirst("^-+", "");
    }
}
