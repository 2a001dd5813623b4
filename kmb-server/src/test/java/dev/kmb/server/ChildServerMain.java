package dev.kmb.server;

import dev.kmb.broker.Broker;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.spi.TopicSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * A server in a child JVM for crash tests: {@code ChildServerMain <data dir> <port file> [<state> <kafka bootstrap>
 * <topic prefix> <node id>]} starts it on a free port (embedded, or a cluster node on Kafka when the cluster arguments
 * are given), makes sure topic {@code crash.t} (2 partitions, persistent) and subscription {@code crash-sub} exist,
 * writes the port to the file and runs until killed.
 */
public final class ChildServerMain {

    private ChildServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        ServerConfig config = new ServerConfig(ServerConfig.LOOPBACK, 0, dir, false, ServerConfig.DEFAULT_MAX_MESSAGE_BYTES);
        if (args.length >= 6) {
            config = new ServerConfigLoader(name -> null).parse("kmb:\n  kafka:\n    topic_prefix: " + args[4] + "\n",
                    new ServerConfigLoader.Overrides(java.util.Optional.of(ServerConfig.LOOPBACK), java.util.Optional.of(0),
                            java.util.Optional.of(dir), java.util.Optional.of(args[2]), java.util.Optional.of("kafka"),
                            java.util.Optional.of(args[3]), java.util.Optional.of(args[5])));
        }
        KmbServer server = KmbServer.start(config);
        Broker broker = server.context().broker();
        TenantId t = TenantId.DEFAULT;
        try {
            broker.topics().create(t, TopicName.of("crash.t"), TopicSpec.defaults().withPartitions(2));
        } catch (ProblemException exists) {
            // second start
        }
        try {
            broker.subscriptions().create(SubscriptionRecord.builder(t, "crash-sub", TopicPattern.of("crash.t"))
                    .start(StartPosition.EARLIEST).build(Instant.now()));
        } catch (ProblemException exists) {
            // second start
        }
        Path port = Path.of(args[1]);
        Path tmp = port.resolveSibling(port.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(server.port()));
        Files.move(tmp, port, StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }
}
