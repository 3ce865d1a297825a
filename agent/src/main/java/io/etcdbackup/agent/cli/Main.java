package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.LayeredDefaults;
import io.etcdbackup.agent.config.ProcessEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Entry point: runs a command and exits 0 on success, 1 with a one-line error on failure, 2 on bad
 * usage or bad configuration (every problem, one line each).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        System.exit(run(args));
    }

    /** Runs the command line without exiting. */
    public static int run(String... args) {
        return commandLine(ProcessEnvironment.current(), args).execute(args);
    }

    /** The command line with the process environment and no configuration file unless EBA_CONFIG names one. */
    static CommandLine commandLine() {
        return commandLine(ProcessEnvironment.current());
    }

    /**
     * The configured command line: option values layered defaults &lt; file &lt; {@code env} &lt; flags,
     * configuration problems reported all at once with exit code 2, one-line errors and exit code 1
     * for failures.
     *
     * @param env  the process environment: {@code EBA_*} variables and {@code ${VAR}} are read from it, and the
     *             commands receive it through their constructors ({@link EnvironmentFactory})
     * @param args the raw arguments, only to find {@code --config FILE} before parsing
     */
    static CommandLine commandLine(ProcessEnvironment env, String... args) {
        CommandLine cli = new CommandLine(new RootCommand(), new EnvironmentFactory(env));
        Map<String, String> variables = env.variables();
        LayeredDefaults defaults = LayeredDefaults.load(LayeredDefaults.configFile(args, variables), variables, optionKeys(cli));
        cli.setDefaultValueProvider(defaults);
        cli.setExecutionStrategy(parseResult -> {
            Integer help = CommandLine.executeHelpRequest(parseResult);
            if (help != null) {
                return help;
            }
            List<String> problems = new ArrayList<>(defaults.problems());
            Object command = leaf(parseResult).commandSpec().userObject();
            if (command instanceof Validated validated) {
                problems.addAll(validated.problems());
            }
            if (!problems.isEmpty()) {
                PrintWriter err = parseResult.commandSpec().commandLine().getErr();
                problems.forEach(p -> err.println("error: " + p));
                err.flush();
                return 2;
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("error: " + oneLine(e));
            err.flush();
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("command failed", e);
            return 1;
        });
        return cli;
    }

    /** A command that checks its effective option values before it runs. */
    interface Validated {
        /** Every bad value, one line each naming the option, the value, its origin and why; empty when all are good. */
        List<String> problems();
    }

    private static ParseResult leaf(ParseResult result) {
        ParseResult r = result;
        while (r.subcommand() != null) {
            r = r.subcommand();
        }
        return r;
    }

    /** Every option name of every command: the keys a configuration file may use. */
    private static Set<String> optionKeys(CommandLine cli) {
        Set<String> keys = new TreeSet<>();
        collect(cli.getCommandSpec(), keys);
        return keys;
    }

    private static void collect(CommandSpec spec, Set<String> keys) {
        for (OptionSpec option : spec.options()) {
            keys.add(LayeredDefaults.key(option));
        }
        spec.subcommands().values().forEach(sub -> collect(sub.getCommandSpec(), keys));
    }

    static String oneLine(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.io.UncheckedIOException
                || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException) {
            message = "no such file: " + message;
        }
        return message.replace('\n', ' ');
    }

    /**
     * Creates the commands and their option groups: those with a constructor that takes the
     * {@link ProcessEnvironment} get this process's; everything else is made by picocli's default factory.
     */
    static final class EnvironmentFactory implements CommandLine.IFactory {
        private final ProcessEnvironment env;

        EnvironmentFactory(ProcessEnvironment env) {
            this.env = env;
        }

        @Override
        public <K> K create(Class<K> type) throws Exception {
            Constructor<K> constructor;
            try {
                constructor = type.getDeclaredConstructor(ProcessEnvironment.class);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
            constructor.setAccessible(true);
            return constructor.newInstance(env);
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"etcd-backup-agent " + (version == null ? "development build" : version)};
        }
    }
}
