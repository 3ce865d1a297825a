package io.etcdbackup.stores;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The options of one store URL, read in the one grammar every provider shares: kebab-case
 * names, sizes and counts through {@link Quantities}, booleans {@code true}/{@code false}.
 *
 * <p>A provider names the options it takes and the deprecated spellings it still accepts; an old
 * spelling works like its new name, and the first use of each old spelling in a process logs one
 * warning naming the new one. Every error names the option as the user spelled it.
 */
public final class StoreOptions {

    /**
     * A deprecated spelling of an option.
     *
     * @param old      the old spelling, e.g. {@code blockSize}
     * @param current  the option's name now, e.g. {@code block-size}
     * @param bareUnit what a number without unit counts in the old spelling (1: bytes;
     *                 {@code part-size-mib} counts MiB)
     */
    public record Alias(String old, String current, long bareUnit) {
    }

    /**
     * The options a provider takes and the old spellings it still accepts: its whole URL grammar,
     * declared once.
     *
     * @param names   the option names, kebab-case
     * @param aliases deprecated spellings, each of one of {@code names}
     */
    public record Grammar(Set<String> names, List<Alias> aliases) {

        public Grammar {
            names = Set.copyOf(names);
            aliases = List.copyOf(aliases);
        }

        /** A grammar of these options, without old spellings yet. */
        public static Grammar of(String... names) {
            return new Grammar(Set.of(names), List.of());
        }

        /** The same grammar, accepting {@code old} for {@code current} with the same values. */
        public Grammar alias(String old, String current) {
            return alias(new Alias(old, current, 1));
        }

        /** The same grammar, accepting {@code alias}. */
        public Grammar alias(Alias alias) {
            if (!names.contains(alias.current())) {
                throw new IllegalArgumentException("alias " + alias.old() + " names unknown option " + alias.current());
            }
            List<Alias> more = new java.util.ArrayList<>(aliases);
            more.add(alias);
            return new Grammar(names, more);
        }

        /** Reads the options of {@code url} in this grammar; see {@link StoreOptions#read}. */
        public StoreOptions read(StoreUrl url) {
            return StoreOptions.read(url, names, aliases);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(StoreOptions.class);
    /** The deprecated spellings warned about in this process, {@code scheme:old}. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private record Given(String spelledAs, String value, long bareUnit) {
    }

    private final StoreUrl url;
    private final Map<String, Given> given = new LinkedHashMap<>();

    private StoreOptions(StoreUrl url) {
        this.url = url;
    }

    /**
     * Reads the options of {@code url}: each old spelling in {@code aliases} is taken as its new
     * name (warning once per process), anything not in {@code names} is refused.
     *
     * @throws IllegalArgumentException naming an unknown option, or an option given under both spellings
     */
    public static StoreOptions read(StoreUrl url, Set<String> names, List<Alias> aliases) {
        Set<String> known = new HashSet<>(names);
        aliases.forEach(a -> known.add(a.old()));
        url.requireOnlyOptions(known);
        StoreOptions options = new StoreOptions(url);
        for (Map.Entry<String, String> option : url.options().entrySet()) {
            Alias alias = aliases.stream().filter(a -> a.old().equals(option.getKey())).findFirst().orElse(null);
            String name = alias == null ? option.getKey() : alias.current();
            Given previous = options.given.put(name, new Given(option.getKey(), option.getValue(), alias == null ? 1 : alias.bareUnit()));
            if (previous != null) {
                throw new IllegalArgumentException("store URL '" + url.display() + "' gives option " + name + " twice (as "
                        + previous.spelledAs() + " and " + option.getKey() + "); give it once, as " + name);
            }
            if (alias != null) {
                warnOnce(url.scheme(), alias);
            }
        }
        return options;
    }

    /**
     * How many deprecation warnings this process logged for {@code old} under {@code scheme}: 0 or
     * 1, since the warning is logged once per process.
     */
    public static int deprecationWarnings(String scheme, String old) {
        return WARNED.contains(scheme + ":" + old) ? 1 : 0;
    }

    /** A text option, if given. */
    public Optional<String> text(String name) {
        return Optional.ofNullable(given.get(name)).map(Given::value);
    }

    /**
     * A size option in bytes, or {@code fallback}.
     *
     * @throws IllegalArgumentException naming the option, the value and the range {@code [min, max]}
     */
    public long bytes(String name, long fallback, long min, long max) {
        Given g = given.get(name);
        return g == null ? fallback : Quantities.bytes(describe(g), g.value(), g.bareUnit(), min, max);
    }

    /** {@link #bytes} for sizes that must fit an {@code int} (buffers). */
    public int intBytes(String name, int fallback, int min, int max) {
        return (int) bytes(name, fallback, min, max);
    }

    /**
     * A count option, or {@code fallback}.
     *
     * @throws IllegalArgumentException naming the option, the value and the range {@code [min, max]}
     */
    public int whole(String name, int fallback, int min, int max) {
        Given g = given.get(name);
        return g == null ? fallback : Quantities.whole(describe(g), g.value(), min, max);
    }

    /**
     * A boolean option ({@code true} or {@code false}, any case), or {@code fallback}.
     *
     * @throws IllegalArgumentException naming the option and the value
     */
    public boolean bool(String name, boolean fallback) {
        Given g = given.get(name);
        if (g == null) {
            return fallback;
        }
        return switch (g.value().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(describe(g) + "='" + g.value() + "' must be true or false");
        };
    }

    /**
     * A text option that must be one of {@code allowed} (case does not matter; the allowed
     * spelling is returned), or {@code fallback}.
     *
     * @throws IllegalArgumentException naming the option, the value and the allowed values
     */
    public String oneOf(String name, String fallback, List<String> allowed) {
        Given g = given.get(name);
        if (g == null) {
            return fallback;
        }
        return allowed.stream().filter(a -> a.equalsIgnoreCase(g.value())).findFirst().orElseThrow(() ->
                new IllegalArgumentException(describe(g) + "='" + g.value() + "' must be one of " + String.join(", ", allowed)));
    }

    private String describe(Given g) {
        return "store URL '" + url.display() + "' option " + g.spelledAs();
    }

    private static void warnOnce(String scheme, Alias alias) {
        String key = scheme + ":" + alias.old();
        if (WARNED.add(key)) {
            LOG.warn("deprecated store URL option, accepted for now: scheme={} option={} replacement={} bare_number_unit={}",
                    scheme, alias.old(), alias.current(), Quantities.human(alias.bareUnit()));
        }
    }
}
