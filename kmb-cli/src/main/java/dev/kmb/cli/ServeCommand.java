package dev.kmb.cli;

import dev.kmb.broker.spi.StateStoreException;
import dev.kmb.server.ConfigException;
import dev.kmb.server.KmbServer;
import dev.kmb.server.LoggingSetup;
import dev.kmb.server.ServerConfig;
import dev.kmb.server.ServerConfigLoader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kmb serve}: runs the bus until SIGTERM or Ctrl-C, then stops gracefully (stop accepting, finish
 * in-flight requests, write ack state, flush and close the log). After a kill -9 the next start recovers by itself.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the bus: HTTP, SSE and WebSocket API on the embedded log (or Kafka), until SIGTERM or Ctrl-C.")
final class ServeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "kmb.yaml to read (flags below override it)")
    Path config;

    @Option(names = "--host", description = "address to bind (default 127.0.0.1; loopback only without authentication)")
    String host;

    @Option(names = "--port", description = "HTTP port (default 8080; 0 picks a free one)")
    Integer port;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the log and the state live (default ./data)")
    Path dataDir;

    @Option(names = "--state", paramLabel = "sqlite|URL", description = "where topics, subscriptions and cursors live: "
            + "sqlite (default, in the data dir) or postgresql://user:pass@host:5432/db[?schema=kmb&pool_size=8], "
            + "shared by every node pointed at it")
    String state;

    @Option(names = "--backend", paramLabel = "embedded|kafka", description = "where messages live: embedded (default, "
            + "the data dir) or kafka (cluster mode with --state postgresql://…; see docs/cluster.md)")
    String backend;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", description = "Kafka's bootstrap servers for "
            + "--backend kafka (./kmb kafka-local start runs one on localhost:9092)")
    String kafkaBootstrap;

    @Option(names = "--node-id", paramLabel = "ID", description = "this node's id among the nodes sharing the state "
            + "store (default <host name>-<port>)")
    String nodeId;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig settings;
        try {
            settings = ServerConfigLoader.load(Optional.ofNullable(config), new ServerConfigLoader.Overrides(
                    Optional.ofNullable(host), Optional.ofNullable(port), Optional.ofNullable(dataDir),
                    Optional.ofNullable(state), Optional.ofNullable(backend), Optional.ofNullable(kafkaBootstrap),
                    Optional.ofNullable(nodeId)));
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("kmb serve: " + e.getMessage());
            return ExitCodes.ERROR;
        }
        LoggingSetup.apply(settings); // the CLI's logback.xml is quiet (WARN) for offline tools; serving is not
        SqliteNativeCache.use(settings.dataDir());
        Logger log = LoggerFactory.getLogger(ServeCommand.class);
        // the hook goes in before the server starts: a SIGTERM that lands right after "listening" must still
        // close it gracefully
        AtomicReference<KmbServer> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                KmbServer s = running.get();
                if (s != null) {
                    s.close();
                }
            } finally {
                stopped.countDown();
            }
        }, "kmb-shutdown"));
        try {
            running.set(KmbServer.start(settings));
        } catch (StateStoreException e) { // an unreachable database is an operator's error, not a crash: one line
            spec.commandLine().getErr().println("kmb serve: " + e.getMessage());
            return ExitCodes.ERROR;
        }
        log.info("ready {} ms after the JVM started", ManagementFactory.getRuntimeMXBean().getUptime());
        stopped.await();
        return ExitCodes.OK;
    }
}
