package dev.kmb.bench.e2e;

import com.sun.management.OperatingSystemMXBean;
import dev.kmb.client.KmbClient;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.Message;
import dev.kmb.core.Envelope;
import dev.kmb.core.MessageType;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The end-to-end load harness: drives a real bus over real sockets with P publishers (WebSocket or HTTP
 * batches) into one topic and C WebSocket consumers of one shared subscription that ack every message.
 * Each payload carries its publish time, so latency is publish call → consumer receipt in one JVM clock.
 * Not thread-safe; one run at a time.
 */
public final class EndToEndBench {

    private static final String T_FIELD = "{\"t\":";

    private final URI base;
    private final BusAdmin admin;

    public EndToEndBench(URI base) {
        this.base = base;
        this.admin = new BusAdmin(base);
    }

    /** Runs the workload on a fresh topic and subscription; {@code progress} gets a line a second. */
    public BenchResult run(Workload w, Consumer<String> progress) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String topic = "bench.run-" + id;
        String subscription = "bench-" + id;
        admin.send("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":" + w.partitions() + ",\"durability\":\""
                + w.durability() + "\",\"dedup_window\":" + (w.dedup() ? "120" : "0") + "}");
        admin.send("POST", "/v1/subscriptions", "{\"name\":\"" + subscription + "\",\"pattern\":\"" + topic
                + "\",\"mode\":\"shared\",\"start\":\"latest\",\"ack_timeout\":60,\"max_in_flight\":4000}");

        Recorder latency = new Recorder(3);
        AtomicLong received = new AtomicLong();
        AtomicLong seen = new AtomicLong(); // every receipt, warm-up included, for the progress line
        AtomicLong published = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + w.warmup().toNanos();
        long end = measureFrom + w.duration().toNanos();

        KmbClient client = KmbClient.builder(base).maxInFlight(2048).build();
        List<KmbConnection> consumers = new ArrayList<>();
        for (int c = 0; c < w.consumers(); c++) {
            KmbConnection conn = client.connect();
            conn.subscribe(subscription, (Message m) -> {
                if (m.attempt() == 1 && Math.floorMod(m.id().getLeastSignificantBits(), 100) < w.nackPercent()) {
                    m.nack(); // redelivered after the subscription's first backoff step; counted when acked
                    return;
                }
                long sent = sentAt(m.payload());
                long now = System.nanoTime();
                seen.incrementAndGet();
                if (sent >= measureFrom && sent <= end) {
                    latency.recordValue(Math.max(0, (now - sent) / 1_000));
                    received.incrementAndGet();
                }
                m.ack();
            }).get(10, TimeUnit.SECONDS);
            consumers.add(conn);
        }

        String pad = "x".repeat(Math.max(0, w.messageBytes() - 40));
        List<Thread> publishers = new ArrayList<>();
        List<KmbConnection> publisherConnections = new ArrayList<>();
        for (int p = 0; p < w.publishers(); p++) {
            KmbConnection conn = w.transport() == Workload.Transport.WS ? client.connect() : null;
            if (conn != null) {
                publisherConnections.add(conn);
            }
            long perPublisherRate = w.rate().isPresent() ? Math.max(1, w.rate().getAsLong() / w.publishers()) : 0;
            publishers.add(Thread.ofVirtual().name("bench-publisher-" + p).start(() -> publishLoop(w, client, conn,
                    TopicName.of(topic), pad, perPublisherRate, end, measureFrom, published, errors)));
        }

        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuAtMeasure = -1;
        long lastReceived = 0;
        Histogram window = null;
        while (System.nanoTime() < end) {
            Thread.sleep(1000);
            long now = System.nanoTime();
            if (cpuAtMeasure < 0 && now >= measureFrom) {
                cpuAtMeasure = os.getProcessCpuTime();
            }
            Histogram interval = latency.getIntervalHistogram(window);
            window = interval;
            long r = seen.get();
            progress.accept(String.format("[%4.0fs] %s  received %,9d msgs/s  p99 %7.2f ms%s",
                    (now - start) / 1e9, now < measureFrom ? "warm-up " : "measure ", r - lastReceived,
                    interval.getTotalCount() == 0 ? 0.0 : interval.getValueAtPercentile(99) / 1000.0,
                    errors.get() > 0 ? "  publish errors " + errors.get() : ""));
            lastReceived = r;
        }
        long cpuAtEnd = os.getProcessCpuTime();
        for (Thread t : publishers) {
            t.join();
        }
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.get() < published.get() && System.nanoTime() < drainUntil) {
            Thread.sleep(20);
        }
        Histogram all = latency.getIntervalHistogram();
        if (window != null) {
            all.add(window);
        }
        double seconds = w.duration().toNanos() / 1e9;
        double cpu = cpuAtMeasure < 0 ? 0 : 100.0 * (cpuAtEnd - cpuAtMeasure) / (seconds * 1e9 * Runtime.getRuntime().availableProcessors());
        publisherConnections.forEach(KmbConnection::close);
        consumers.forEach(KmbConnection::close);
        client.close();
        admin.send("DELETE", "/v1/subscriptions/" + subscription, null);
        admin.send("DELETE", "/v1/topics/" + topic, null);
        long n = received.get();
        return new BenchResult(w.describe(), seconds, published.get(), n, n / seconds, n * (double) w.messageBytes() / seconds / 1e6,
                all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
                all.getValueAtPercentile(99.9) / 1000.0, all.getMaxValue() / 1000.0, cpu, errors.get());
    }

    private static void publishLoop(Workload w, KmbClient client, KmbConnection conn, TopicName topic, String pad,
                                    long rate, long end, long measureFrom, AtomicLong published, AtomicLong errors) {
        long intervalNanos = rate > 0 ? 1_000_000_000L / rate : 0;
        long next = System.nanoTime();
        Semaphore httpWindow = new Semaphore(4);
        while (System.nanoTime() < end) {
            if (intervalNanos > 0) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            int count = w.batch();
            next += intervalNanos * count;
            List<Envelope> batch = new ArrayList<>(count);
            long t = System.nanoTime();
            for (int i = 0; i < count; i++) {
                batch.add(Envelope.builder(topic, MessageType.EVENT, RawJson.of(T_FIELD + t + ",\"p\":\"" + pad + "\"}")).build());
            }
            boolean counted = t >= measureFrom && t <= end;
            if (conn != null) {
                conn.publishBatch(batch).whenComplete((r, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                    } else if (counted) {
                        published.addAndGet(count);
                    }
                });
            } else {
                httpWindow.acquireUninterruptibly();
                client.publishBatchAsync(batch).whenComplete((r, e) -> {
                    httpWindow.release();
                    if (e != null) {
                        errors.incrementAndGet();
                    } else if (counted) {
                        published.addAndGet(count);
                    }
                });
            }
        }
        httpWindow.acquireUninterruptibly(4);
    }

    /** The publish time a payload carries: {@code {"t":<nanos>,…}}. */
    static long sentAt(String payload) {
        int from = payload.indexOf(T_FIELD);
        if (from < 0) {
            return -1;
        }
        long v = 0;
        for (int i = from + T_FIELD.length(); i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }


}
