package dev.kmb.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kmb} command: entry point of the runnable jar; each subcommand is one class. */
@Command(name = "kmb",
        mixinStandardHelpOptions = true,
        versionProvider = KmbCommand.Version.class,
        description = "KMB, a message bus made for AI agents.",
        subcommands = {ServeCommand.class, LogCommand.class, BenchCommand.class, ExportCommand.class, ImportCommand.class,
                KafkaLocalCommand.class, CommandLine.HelpCommand.class})
public final class KmbCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new KmbCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("kmb: " + e.getMessage());
                    return ExitCodes.ERROR;
                });
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads the version stamped into the jar at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = KmbCommand.class.getResourceAsStream("/kmb-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"kmb " + p.getProperty("version", "unknown") + " (Java " + Runtime.version() + ")"};
        }
    }
}
