package dev.kmb.bench.broker;

import dev.kmb.bench.log.ScratchDir;
import dev.kmb.broker.Broker;
import dev.kmb.broker.BrokerConfig;
import dev.kmb.broker.BrokerMetrics;
import dev.kmb.broker.Receipt;
import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.broker.store.SqliteStateStore;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.MessageType;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The broker's publish path (interceptors, topic check, stamp, encode, partition, dedup, append, receipts) with the
 * topic's dedup window on (120 s, the default) and off (0), side by side: the price of dedup. One broker (embedded
 * log, SQLite state) holds two {@code durable} topics of 4 partitions, one with dedup and one without; a JMH group
 * runs 2 threads publishing to each <em>at the same time</em>, so both sides share whatever else the machine is
 * doing, and their ratio stays meaningful on a noisy, shared machine where sequential runs swing by 2-5x. Each
 * invocation publishes fresh ids (the common case: a duplicate appends nothing and is cheaper), one message or a
 * batch, and waits for the receipts. At these rates a 120 s window reaches {@code dedup.max_ids} (1 M) within
 * seconds, so the "on" figures include the early eviction that keeps it there: the steady state of a busy bus.
 * The score is publish calls/s per side; multiply by {@code batch} for messages/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class PublishDedupBenchmark {

    private static final TopicName ON = TopicName.of("bench.dedup.on");
    private static final TopicName OFF = TopicName.of("bench.dedup.off");
    private static final TenantId TENANT = TenantId.DEFAULT;

    @Param({"1", "100"})
    public int batch;

    @Param({"256"})
    public int payloadBytes;

    private ScratchDir dir;
    private EmbeddedLog log;
    private StateStore store;
    private Broker broker;
    private RawJson payload;

    @Setup(Level.Trial)
    public void open() {
        dir = ScratchDir.create("kmb-dedup-");
        log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir.path().resolve("log"))
                .segmentBytes(64 << 20).fileDeleteDelay(Duration.ZERO).build());
        store = SqliteStateStore.open(dir.path());
        broker = Broker.start(BrokerConfig.defaults(), log, store, new EnvelopeCodec(),
                new BrokerMetrics(new SimpleMeterRegistry()));
        TopicSpec spec = new TopicSpec(4, Durability.DURABLE, new Retention(Retention.UNLIMITED, Retention.UNLIMITED,
                256L << 20), Compression.NONE);
        broker.topics().create(TENANT, ON, spec, TopicRecord.DEFAULT_DEDUP_WINDOW);
        broker.topics().create(TENANT, OFF, spec, Duration.ZERO);
        payload = RawJson.of("\"" + "x".repeat(Math.max(0, payloadBytes - 2)) + "\"");
    }

    @TearDown(Level.Trial)
    public void close() {
        try {
            broker.close();
            store.close();
            log.close();
        } finally {
            dir.close();
        }
    }

    @Benchmark
    @Group("publish")
    @GroupThreads(2)
    public List<Receipt> dedupOn() {
        return publish(ON);
    }

    @Benchmark
    @Group("publish")
    @GroupThreads(2)
    public List<Receipt> dedupOff() {
        return publish(OFF);
    }

    private List<Receipt> publish(TopicName topic) {
        List<Envelope> messages = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            messages.add(Envelope.builder(topic, MessageType.EVENT, payload).build());
        }
        return broker.publisher().publish(TENANT, messages).join();
    }
}
