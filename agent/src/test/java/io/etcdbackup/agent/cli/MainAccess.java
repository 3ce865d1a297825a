package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.ProcessEnvironment;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs the command line with a fake environment and captured output, for tests outside this package. */
public final class MainAccess {

    private MainAccess() {
    }

    /** Exit code, standard output and standard error of one run. */
    public record Result(int code, String out, String err) {
    }

    public static Result run(Map<String, String> env, String... args) {
        CommandLine cli = Main.commandLine(new ProcessEnvironment(env, ProcessEnvironment.current().tempDir()), args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
