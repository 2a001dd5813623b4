package dev.kmb.server;

import dev.kmb.broker.Broker;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.client.KmbClient;
import dev.kmb.core.Envelope;
import dev.kmb.core.MessageType;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.TopicSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** A real server on a free loopback port over a data directory, plus a client for it; restartable. */
final class TestBus implements AutoCloseable {

    static final TenantId T = TenantId.DEFAULT;

    final Path dir;
    KmbServer server;
    KmbClient client;

    TestBus(Path dir) {
        this.dir = dir;
        start();
    }

    void start() {
        server = KmbServer.start(new ServerConfig(ServerConfig.LOOPBACK, 0, dir, true, ServerConfig.DEFAULT_MAX_MESSAGE_BYTES));
        client = KmbClient.builder(base()).requestTimeout(Duration.ofSeconds(20)).build();
    }

    void restart() {
        close();
        start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    URI uri(String pathAndQuery) {
        return URI.create(base() + pathAndQuery);
    }

    Broker broker() {
        return server.context().broker();
    }

    void topic(String name, int partitions) {
        broker().topics().create(T, TopicName.of(name), TopicSpec.defaults().withPartitions(partitions)
                .withDurability(Durability.DURABLE));
    }

    void subscription(String name, String pattern, SubscriptionMode mode, Consumer<SubscriptionRecord.Builder> tune) {
        SubscriptionRecord.Builder b = SubscriptionRecord.builder(T, name, TopicPattern.of(pattern)).mode(mode)
                .start(dev.kmb.broker.spi.StartPosition.EARLIEST);
        tune.accept(b);
        broker().subscriptions().create(b.build(Instant.now()));
    }

    static Envelope message(String topic, String key, String payload) {
        Envelope.Builder b = Envelope.builder(TopicName.of(topic), MessageType.EVENT, RawJson.of(payload));
        if (key != null) {
            b.key(key);
        }
        return b.build();
    }

    /** Waits for a condition, failing with {@code what} after the deadline. */
    static void await(Duration within, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + within + " waiting for " + what);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
