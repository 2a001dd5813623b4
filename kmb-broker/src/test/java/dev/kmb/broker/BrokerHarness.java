package dev.kmb.broker;

import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.MessageType;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.TopicSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A real broker on a real log and state store (the embedded log and SQLite in a directory, or Kafka and PostgreSQL:
 * see {@link Backing}); reopenable to test restarts, which reopen the log and the store at the same place.
 */
final class BrokerHarness implements AutoCloseable {

    static final TenantId T = TenantId.DEFAULT;

    private final Backing backing;
    private final BrokerConfig config;
    MessageLog log;
    StateStore store;
    Broker broker;

    private final DeadLetterSink deadLetters;

    BrokerHarness(Path dir, BrokerConfig config) {
        this(new Backing.Embedded(dir), config, null);
    }

    BrokerHarness(Backing backing, BrokerConfig config) {
        this(backing, config, null);
    }

    BrokerHarness(Backing backing) {
        this(backing, BrokerConfig.defaults());
    }

    BrokerHarness(Path dir, BrokerConfig config, java.util.List<DeadLetter> deadLetters) {
        this(new Backing.Embedded(dir), config, deadLetters);
    }

    /** A harness whose dead letters are collected in {@code deadLetters} instead of the dead-letter topic. */
    BrokerHarness(Backing backing, BrokerConfig config, java.util.List<DeadLetter> deadLetters) {
        this.backing = backing;
        this.config = config;
        this.deadLetters = deadLetters == null ? null : letter -> {
            deadLetters.add(letter);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        };
        open();
    }

    BrokerHarness(Path dir) {
        this(dir, BrokerConfig.defaults());
    }

    void open() {
        log = backing.openLog(config.clock());
        store = backing.openStore();
        BrokerMetrics metrics = new BrokerMetrics(new SimpleMeterRegistry());
        broker = deadLetters == null ? Broker.start(config, log, store, new EnvelopeCodec(), metrics)
                : Broker.start(config, log, store, new EnvelopeCodec(), metrics, deadLetters);
    }

    Backing backing() {
        return backing;
    }

    Backend backend() {
        return backing.backend();
    }

    void restart() {
        close();
        open();
    }

    /**
     * A restart after a crash of the node, as far as the log's clients tell: the broker and the store close, but the
     * old log is left open and handed back, its producers lingering like a dead process's (close it at the end).
     */
    MessageLog crashRestart() {
        MessageLog old = log;
        broker.close();
        store.close();
        open();
        return old;
    }

    TopicInfo topic(String name, int partitions) {
        return broker.topics().create(T, TopicName.of(name), TopicSpec.defaults().withPartitions(partitions)
                .withDurability(Durability.DURABLE));
    }

    static Envelope message(String topic, String key, String payload) {
        Envelope.Builder b = Envelope.builder(TopicName.of(topic), MessageType.EVENT, RawJson.of(payload));
        if (key != null) {
            b.key(key);
        }
        return b.build();
    }

    List<Receipt> publish(Envelope... envelopes) {
        return broker.publisher().publish(T, List.of(envelopes)).join();
    }

    List<Receipt> publishMany(String topic, String key, int n) {
        List<Envelope> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(message(topic, key, "{\"n\":" + i + "}"));
        }
        return broker.publisher().publish(T, batch).join();
    }

    SubscriptionRecord subscribe(String name, String pattern, SubscriptionMode mode, Consumer<SubscriptionRecord.Builder> tune) {
        SubscriptionRecord.Builder b = SubscriptionRecord.builder(T, name, TopicPattern.of(pattern)).mode(mode);
        tune.accept(b);
        return broker.subscriptions().create(b.build(Instant.now()));
    }

    /** Takes deliveries until {@code n} arrived or the deadline passed. */
    static List<Delivery> take(SubscriptionSession s, int n, Duration within) throws InterruptedException {
        List<Delivery> out = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (out.size() < n && System.nanoTime() < deadline) {
            s.poll(Duration.ofMillis(50)).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public void close() {
        broker.close();
        store.close();
        log.close();
    }
}
