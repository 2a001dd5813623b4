package dev.kmb.cli;


import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kmb kafka-local start|stop|status}: a single-node Kafka on localhost for trying cluster mode. */
@Command(name = "kafka-local", mixinStandardHelpOptions = true,
        description = "Run a single-node Apache Kafka (KRaft) on localhost as a separate process, data under DATA/kafka.",
        subcommands = {KafkaLocalCommand.Start.class, KafkaLocalCommand.Stop.class, KafkaLocalCommand.Status.class})
final class KafkaLocalCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options every subcommand shares. */
    static final class Where {
        @Option(names = "--data", defaultValue = "./data", description = "data directory (Kafka keeps DATA/kafka); default ${DEFAULT-VALUE}")
        Path data;

        @Option(names = "--kafka-lib", description = "the Kafka classpath directory; default: $KMB_KAFKA_LIB, "
                + "else kmb-kafka-local/target/lib beside kmb.jar")
        Path lib;

        KafkaLocal kafka() {
            return new KafkaLocal(data, lib != null ? lib : defaultLib());
        }
    }

    /** $KMB_KAFKA_LIB, else {@code kmb-kafka-local/target/lib} of the source tree this jar (or class dir) was built in. */
    static Path defaultLib() {
        String env = System.getenv("KMB_KAFKA_LIB");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        try {
            Path code = Path.of(KafkaLocalCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path home = code.getParent().getParent().getParent(); // kmb-cli/target/kmb.jar or kmb-cli/target/classes
            return home.resolve("kmb-kafka-local").resolve("target").resolve("lib");
        } catch (Exception e) {
            return Path.of("kmb-kafka-local", "target", "lib");
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the broker (formatting its storage on first use), wait until it answers, print the bootstrap address.")
    static final class Start implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Mixin
        Where where = new Where();

        @Option(names = "--port", defaultValue = "9092", description = "client port on localhost; default ${DEFAULT-VALUE}")
        int port;

        @Option(names = "--controller-port", defaultValue = "9093", description = "KRaft controller port; default ${DEFAULT-VALUE}")
        int controllerPort;

        @Option(names = "--timeout", defaultValue = "60", description = "seconds to wait until the broker answers; default ${DEFAULT-VALUE}")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            KafkaLocal kafka = where.kafka();
            Optional<KafkaLocal.Running> before = kafka.running();
            KafkaLocal.Running r = kafka.start(port, controllerPort, Duration.ofSeconds(timeoutSeconds));
            if (before.isPresent()) {
                spec.commandLine().getErr().println("kafka-local: already running (pid " + r.pid() + ")");
            } else {
                spec.commandLine().getErr().println("kafka-local: started (pid " + r.pid() + "), data in " + kafka.directory());
            }
            spec.commandLine().getOut().println(r.bootstrap());
            return ExitCodes.OK;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the broker started by start.")
    static final class Stop implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Mixin
        Where where = new Where();

        @Override
        public Integer call() throws Exception {
            boolean stopped = where.kafka().stop(Duration.ofSeconds(30));
            spec.commandLine().getErr().println(stopped ? "kafka-local: stopped" : "kafka-local: not running");
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print the bootstrap address and pid when running; exit 1 when not.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Mixin
        Where where = new Where();

        @Override
        public Integer call() throws Exception {
            Optional<KafkaLocal.Running> r = where.kafka().running();
            if (r.isEmpty()) {
                spec.commandLine().getOut().println("not running");
                return ExitCodes.DAMAGED;
            }
            spec.commandLine().getOut().println("running: pid " + r.get().pid() + ", bootstrap " + r.get().bootstrap());
            return ExitCodes.OK;
        }
    }

}
