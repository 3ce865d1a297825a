package io.etcdbackup.agent.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/** Entry point: runs a command and exits 0 on success, 1 with a one-line error on failure, 2 on bad usage. */
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
        return commandLine().execute(args);
    }

    /** The configured command line: one-line errors and exit code 1 for failures. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new RootCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("error: " + oneLine(e));
            err.flush();
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("command failed", e);
            return 1;
        });
        return cli;
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

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"etcd-backup-agent " + (version == null ? "development build" : version)};
        }
    }
}
