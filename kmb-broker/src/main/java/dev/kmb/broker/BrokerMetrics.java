package dev.kmb.broker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The broker's meters (Micrometer): publishes, bytes, deliveries, redeliveries, acks, nacks, terms, expiries, dead letters by reason, redrives, duplicates, dedup ids, append latency. */
public final class BrokerMetrics {

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter publishedBytes;
    private final Counter delivered;
    private final Counter redelivered;
    private final Counter acked;
    private final Counter nacked;
    private final Counter termed;
    private final Counter expired;
    private final java.util.Map<DeadLetter.Reason, Counter> deadLettered = new java.util.EnumMap<>(DeadLetter.Reason.class);
    private final Counter redriven;
    private final Counter dedupEvicted;
    private final Timer appendLatency;

    public BrokerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.published = Counter.builder("kmb.messages.published").description("messages appended").register(registry);
        this.publishedBytes = Counter.builder("kmb.bytes.published").baseUnit("bytes").register(registry);
        this.delivered = Counter.builder("kmb.messages.delivered").description("deliveries, first attempts and retries").register(registry);
        this.redelivered = Counter.builder("kmb.messages.redelivered").description("deliveries after the first attempt").register(registry);
        this.acked = Counter.builder("kmb.messages.acked").register(registry);
        this.nacked = Counter.builder("kmb.messages.nacked").register(registry);
        this.termed = Counter.builder("kmb.messages.termed").description("messages a consumer rejected outright").register(registry);
        this.expired = Counter.builder("kmb.messages.expired").description("messages whose ttl ran out before delivery")
                .register(registry);
        for (DeadLetter.Reason r : DeadLetter.Reason.values()) {
            deadLettered.put(r, Counter.builder("kmb.messages.dead_lettered").tag("reason", r.wire()).register(registry));
        }
        this.redriven = Counter.builder("kmb.messages.redriven").description("dead letters published again by a redrive")
                .register(registry);
        this.dedupEvicted = Counter.builder("kmb.dedup.evicted")
                .description("ids forgotten before their dedup window ended, to stay within dedup.max_ids").register(registry);
        this.appendLatency = Timer.builder("kmb.append.latency").description("publish: append until durable")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(20_000)).maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    void published(int messages, long bytes) {
        published.increment(messages);
        publishedBytes.increment(bytes);
    }

    void delivered(int attempt) {
        delivered.increment();
        if (attempt > 1) {
            redelivered.increment();
        }
    }

    void acked(int n) {
        acked.increment(n);
    }

    void nacked(int n) {
        nacked.increment(n);
    }

    void termed(int n) {
        termed.increment(n);
    }

    void expired(int n) {
        expired.increment(n);
    }

    void deadLettered(DeadLetter.Reason reason) {
        deadLettered.get(reason).increment();
    }

    void redriven(int n) {
        redriven.increment(n);
    }

    /** The duplicates counter of one topic ({@code kmb.messages.duplicates{topic}}); callers keep it. */
    Counter duplicates(dev.kmb.core.TopicName topic) {
        return Counter.builder("kmb.messages.duplicates").description("publishes answered with a first receipt, nothing appended")
                .tag("topic", topic.value()).register(registry);
    }

    void dedupEvicted(long n) {
        dedupEvicted.increment(n);
    }

    /** Reports how many ids the dedup windows hold ({@code kmb.dedup.ids}). */
    void dedupIds(java.util.function.Supplier<Number> held) {
        io.micrometer.core.instrument.Gauge.builder("kmb.dedup.ids", held).description("message ids held by the dedup windows")
                .register(registry);
    }

    void appendLatency(long nanos) {
        appendLatency.record(nanos, TimeUnit.NANOSECONDS);
    }
}
