package dev.kmb.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka (combined broker + controller) run as its own process from the classpath that
 * kmb-kafka-local resolves, with its data, config, output and pid file under one directory ({@code data/kafka}).
 * Listens on localhost only. Not thread-safe: one command at a time.
 *
 * <pre>
 *   data/kafka/server.properties   written on every start (ports may change)
 *   data/kafka/logback.xml         the broker's logging (WARN, to kafka.log)
 *   data/kafka/logs/               Kafka's log.dirs (formatted once, with a fresh cluster id)
 *   data/kafka/kafka.pid           "pid bootstrap" of the running broker
 *   data/kafka/kafka.log           the broker's output
 * </pre>
 */
final class KafkaLocal {

    /** A running broker: its pid and bootstrap address. */
    record Running(long pid, String bootstrap) {
    }

    private final Path dir;
    private final Path libDir;

    KafkaLocal(Path dataDir, Path libDir) {
        this.dir = dataDir.resolve("kafka").toAbsolutePath();
        this.libDir = libDir.toAbsolutePath();
    }

    Path directory() {
        return dir;
    }

    /** The broker started earlier and still alive, if any (a stale pid file is ignored). */
    Optional<Running> running() throws IOException {
        Path pidFile = dir.resolve("kafka.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        String[] parts = Files.readString(pidFile).trim().split(" ");
        long pid = Long.parseLong(parts[0]);
        Optional<ProcessHandle> p = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(KafkaLocal::isKafka);
        return p.map(h -> new Running(pid, parts.length > 1 ? parts[1] : "?"));
    }

    private static boolean isKafka(ProcessHandle h) {
        return h.info().arguments().map(a -> List.of(a).contains("kafka.Kafka")).orElse(true);
    }

    /** Formats the storage on first use, starts the broker and waits until it answers; returns it. */
    Running start(int port, int controllerPort, Duration timeout) throws IOException, InterruptedException {
        Optional<Running> already = running();
        if (already.isPresent()) {
            return already.get();
        }
        if (!Files.isDirectory(libDir) || !Files.exists(libDir.resolve("kafka_2.13-" + kafkaVersion() + ".jar"))) {
            throw new IllegalStateException("the Kafka classpath is missing in " + libDir
                    + "; build it with: ./mvnw -q -pl kmb-kafka-local package");
        }
        Files.createDirectories(dir.resolve("logs"));
        String bootstrap = "localhost:" + port;
        Path props = dir.resolve("server.properties");
        Files.writeString(props, serverProperties(port, controllerPort));
        Files.writeString(dir.resolve("logback.xml"), LOGBACK.replace("@LOG@", dir.resolve("kafka.log").toString()));
        if (!Files.exists(dir.resolve("logs").resolve("meta.properties"))) {
            int exit = runTool(List.of("kafka.tools.StorageTool", "format", "--standalone", "-t", Uuid.randomUuid().toString(),
                    "-c", props.toString()), timeout);
            if (exit != 0) {
                throw new IllegalStateException("formatting Kafka storage failed (exit " + exit + "); see " + dir.resolve("kafka.log"));
            }
        }
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // its own session: a Ctrl-C in the terminal that started it does not stop it
        }
        cmd.addAll(java(List.of("kafka.Kafka", props.toString())));
        Process process = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile()))
                .start();
        Files.writeString(dir.resolve("kafka.pid"), process.pid() + " " + bootstrap + "\n");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!answers(bootstrap)) {
            if (!process.isAlive()) {
                Files.deleteIfExists(dir.resolve("kafka.pid"));
                throw new IllegalStateException("Kafka exited with " + process.exitValue() + "; see " + dir.resolve("kafka.log"));
            }
            if (System.nanoTime() - deadline > 0) {
                stop(Duration.ofSeconds(10));
                throw new IllegalStateException("Kafka did not answer on " + bootstrap + " within " + timeout.toSeconds()
                        + " s; see " + dir.resolve("kafka.log"));
            }
            TimeUnit.MILLISECONDS.sleep(200); // a poll interval, not a synchronisation guess
        }
        return new Running(process.pid(), bootstrap);
    }

    /** Stops the broker (SIGTERM, then SIGKILL after {@code timeout}); false when none was running. */
    boolean stop(Duration timeout) throws IOException, InterruptedException {
        Optional<Running> r = running();
        Path pidFile = dir.resolve("kafka.pid");
        if (r.isEmpty()) {
            Files.deleteIfExists(pidFile);
            return false;
        }
        ProcessHandle h = ProcessHandle.of(r.get().pid()).orElseThrow();
        h.destroy();
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            h.destroyForcibly();
            h.onExit().join();
        }
        Files.deleteIfExists(pidFile);
        return true;
    }

    private int runTool(List<String> args, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java(args)).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile())).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private List<String> java(List<String> mainAndArgs) {
        String javaBin = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xms256m", "-Xmx512m", "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED", "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-cp", libDir.resolve("*").toString()));
        cmd.addAll(mainAndArgs);
        return cmd;
    }

    private String serverProperties(int port, int controllerPort) {
        return String.join("\n",
                "# written by kmb kafka-local on every start",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=localhost:" + controllerPort,
                "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                "advertised.listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("logs"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "");
    }

    private static boolean answers(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200))) {
            return !admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    static String kafkaVersion() {
        return org.apache.kafka.common.utils.AppInfoParser.getVersion();
    }

    private static final String LOGBACK = """
            <configuration>
              <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                <file>@LOG@</file>
                <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{30} - %msg%n</pattern></encoder>
              </appender>
              <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
              <root level="WARN"><appender-ref ref="FILE"/></root>
            </configuration>
            """;

}
