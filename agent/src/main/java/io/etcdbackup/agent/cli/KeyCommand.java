package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.snapshot.crypto.EncryptionKeySet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** The encryption key set: created, and rotated. */
@Command(name = "key", mixinStandardHelpOptions = true, description = "Manage the key set backups are encrypted with.",
        subcommands = {KeyCommand.Generate.class})
final class KeyCommand {

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = {"Create a key set with one key in --encryption-key-file, or, when the file exists, add a new key and "
                    + "make it the one that encrypts (rotation: the older keys stay, so older backups still restore).",
                    "Give every agent the new file (the Secret), then restart them: each reads its key set at start. The file is "
                            + "written readable by its owner only; it holds the keys in the clear, so keep it as a Secret."})
    static final class Generate implements Callable<Integer>, Main.Validated {

        @Option(names = "--encryption-key-file", required = true, paramLabel = "FILE", description = "The key set to create or rotate.")
        Path file;

        @Spec
        CommandSpec spec;

        @Override
        public List<String> problems() {
            EffectiveConfig config = new EffectiveConfig(spec);
            config.check("--encryption-key-file", file.toString(), f -> {
                Path folder = Path.of(f).toAbsolutePath().getParent();
                if (folder == null || !Files.isDirectory(folder)) {
                    throw new IllegalArgumentException("its folder " + folder + " does not exist");
                }
                if (Files.exists(Path.of(f))) {
                    EncryptionKeySet.load(Path.of(f));
                }
            });
            return config.problems();
        }

        @Override
        public Integer call() throws Exception {
            boolean rotation = Files.exists(file);
            EncryptionKeySet keys = EncryptionKeySet.generate(file);
            PrintWriter out = spec.commandLine().getOut();
            out.println((rotation ? "rotated" : "created") + " key_set=" + file.toAbsolutePath() + " encrypting_key="
                    + keys.encryptingKey().getAsLong() + " keys=" + keys.keyIds());
            out.flush();
            return 0;
        }
    }
}
