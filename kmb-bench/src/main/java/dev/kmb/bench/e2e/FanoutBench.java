package dev.kmb.bench.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * SSE fan-out: N ephemeral SSE subscribers on one topic, one publisher at a fixed rate; every message must
 * reach every subscriber. Latency is the publish call → each subscriber's receipt. Not thread-safe.
 */
public final class FanoutBench {

    /** What a fan-out run measured. */
    public record Result(int subscribers, long published, long expected, long delivered, double deliveriesPerSec,
                         double p50Ms, double p99Ms, double p999Ms, double maxMs) {
    }

    private final URI base;
    private final BusAdmin admin;

    public FanoutBench(URI base) {
        this.base = base;
        this.admin = new BusAdmin(base);
    }

    public Result run(int subscribers, long rate, Duration duration, int messageBytes, Consumer<String> progress)
            throws Exception {
        String topic = "bench.fanout-" + UUID.randomUUID().toString().substring(0, 8);
        admin.send("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"durability\":\"durable\"}");
        Recorder latency = new Recorder(3);
        AtomicLong delivered = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(subscribers);
        List<InputStream> streams = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            HttpResponse<InputStream> r = admin.http().send(HttpRequest.newBuilder(base.resolve("/v1/subscribe?pattern=" + topic + "&start=latest"))
                    .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                throw new IOException("SSE subscribe answered " + r.statusCode());
            }
            streams.add(r.body());
            readers.add(Thread.ofVirtual().start(() -> read(r.body(), ready, latency, delivered)));
            if (i % 100 == 99) {
                progress.accept(String.format("connected %d/%d subscribers", i + 1, subscribers));
            }
        }
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IOException("only " + (subscribers - ready.getCount()) + " subscribers confirmed in 60 s");
        }
        String pad = "x".repeat(Math.max(0, messageBytes - 40));
        long interval = 1_000_000_000L / rate;
        long end = System.nanoTime() + duration.toNanos();
        long next = System.nanoTime();
        long published = 0;
        long lastReport = System.nanoTime();
        while (System.nanoTime() < end) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            next += interval;
            admin.send("POST", "/v1/publish", "{\"topic\":\"" + topic + "\",\"type\":\"event\",\"payload\":{\"t\":"
                    + System.nanoTime() + ",\"p\":\"" + pad + "\"}}");
            published++;
            if (System.nanoTime() - lastReport > 1_000_000_000L) {
                lastReport = System.nanoTime();
                progress.accept(String.format("published %,d  deliveries %,d of %,d", published, delivered.get(),
                        published * subscribers));
            }
        }
        long expected = published * subscribers;
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (delivered.get() < expected && System.nanoTime() < drainUntil) {
            Thread.sleep(20);
        }
        for (InputStream s : streams) {
            s.close();
        }
        readers.forEach(Thread::interrupt);
        admin.send("DELETE", "/v1/topics/" + topic, null);
        Histogram h = latency.getIntervalHistogram();
        double seconds = duration.toNanos() / 1e9;
        return new Result(subscribers, published, expected, delivered.get(), delivered.get() / seconds,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
    }

    private static void read(InputStream body, CountDownLatch ready, Recorder latency, AtomicLong delivered) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(": subscribed")) {
                    ready.countDown();
                } else if (line.startsWith("data:")) {
                    long sent = EndToEndBench.sentAt(line.substring(line.indexOf("\"payload\"")));
                    latency.recordValue(Math.max(0, (System.nanoTime() - sent) / 1_000));
                    delivered.incrementAndGet();
                }
            }
        } catch (IOException e) {
            // closed at the end of the run
        }
    }

}
