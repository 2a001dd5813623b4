package dev.kmb.bench.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The one load loop every system runs through: P publisher threads offer payloads (as fast as the system
 * confirms them, or at a fixed rate) through a {@link BusDriver}, its C consumers hand every payload back,
 * and latency is publish call → consumer receipt, read from the time the payload carries. Each publisher keeps
 * at most {@link #WINDOW} messages unconfirmed. Warm-up first, then the measured window. Throughput counts the
 * messages consumers received inside the window (so a backlog that publishers build faster than consumers drain
 * it does not count as throughput); latency is sampled from every message published inside the window, waiting
 * up to 10 s after it for stragglers. Not thread-safe; one run at a time.
 */
public final class LoadRun {

    /** Unconfirmed messages a publisher may have in flight before it waits. */
    public static final int WINDOW = 1024;

    private LoadRun() {
    }

    /** Runs {@code w} through {@code driver} (opened and closed here); {@code progress} gets a line a second. */
    public static LoadResult run(BusDriver driver, Workload w, CpuProbe serverCpu, Consumer<String> progress)
            throws Exception {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        Recorder latency = new Recorder(3);
        AtomicLong received = new AtomicLong(); // receipts inside the measured window: the throughput
        AtomicLong receivedFirstHalf = new AtomicLong(); // of those, the first half's: is the rate steady?
        AtomicLong sampled = new AtomicLong(); // receipts of messages published inside it: the latency sample
        AtomicLong seen = new AtomicLong(); // every receipt, warm-up included, for the progress line
        AtomicLong published = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        // the clock starts once everything is connected: setting up can take seconds on a loaded machine
        AtomicLongArray window = new AtomicLongArray(new long[] {Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE}); // from, end, middle
        CpuProbe harnessCpu = CpuProbe.jvm();
        try (driver) {
            driver.open(w, runId, sent -> {
                long now = System.nanoTime();
                seen.incrementAndGet();
                if (now >= window.get(0) && now <= window.get(1)) {
                    received.incrementAndGet();
                    if (now < window.get(2)) {
                        receivedFirstHalf.incrementAndGet();
                    }
                }
                if (sent >= window.get(0) && sent <= window.get(1)) {
                    latency.recordValue(Math.max(0, (now - sent) / 1_000));
                    sampled.incrementAndGet();
                }
            });
            List<BusDriver.Publisher> handles = new ArrayList<>();
            for (int p = 0; p < w.publishers(); p++) {
                handles.add(driver.publisher(p));
            }
            long start = System.nanoTime();
            long measureFrom = start + w.warmup().toNanos();
            long end = measureFrom + w.duration().toNanos();
            window.set(2, measureFrom + w.duration().toNanos() / 2);
            window.set(1, end);
            window.set(0, measureFrom);
            List<Thread> publishers = new ArrayList<>();
            long perPublisherRate = w.rate().isPresent() ? Math.max(1, w.rate().getAsLong() / w.publishers()) : 0;
            for (int p = 0; p < w.publishers(); p++) {
                BusDriver.Publisher handle = handles.get(p);
                publishers.add(Thread.ofPlatform().name("bench-publisher-" + p).start(() ->
                        publishLoop(w, handle, perPublisherRate, measureFrom, end, published, errors)));
            }

            StealProbe stealAtMeasure = null;
            long cpuAtMeasure = -1;
            long serverAtMeasure = -1;
            long lastSeen = 0;
            Histogram total = new Histogram(3);
            Histogram interval = null;
            long now;
            while ((now = System.nanoTime()) < end) {
                Thread.sleep(Math.max(1, Math.min(1000, (end - now) / 1_000_000)));
                now = System.nanoTime();
                if (cpuAtMeasure < 0 && now >= measureFrom) {
                    cpuAtMeasure = harnessCpu.cpuNanos();
                    serverAtMeasure = serverCpu.cpuNanos();
                    stealAtMeasure = StealProbe.now();
                }
                interval = latency.getIntervalHistogram(interval); // recycles the last one: add it up first
                total.add(interval);
                long r = seen.get();
                progress.accept(String.format("[%4.0fs] %s  received %,9d msgs/s  p99 %7.2f ms%s",
                        (now - start) / 1e9, now < measureFrom ? "warm-up " : "measure ", r - lastSeen,
                        interval.getTotalCount() == 0 ? 0.0 : interval.getValueAtPercentile(99) / 1000.0,
                        errors.get() > 0 ? "  publish errors " + errors.get() : ""));
                lastSeen = r;
            }
            long cpuAtEnd = harnessCpu.cpuNanos();
            long serverAtEnd = serverCpu.cpuNanos();
            StealProbe stealAtEnd = StealProbe.now();
            for (Thread t : publishers) {
                t.join();
            }
            long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sampled.get() < published.get() && System.nanoTime() < drainUntil) {
                Thread.sleep(20);
            }
            for (BusDriver.Publisher h : handles) {
                h.close();
            }
            Histogram all = total;
            all.add(latency.getIntervalHistogram(interval));
            double seconds = w.duration().toNanos() / 1e9;
            int cores = Runtime.getRuntime().availableProcessors();
            double cpu = cpuAtMeasure < 0 ? 0 : 100.0 * (cpuAtEnd - cpuAtMeasure) / (seconds * 1e9 * cores);
            double server = serverAtMeasure < 0 || serverAtEnd < 0 ? -1
                    : 100.0 * (serverAtEnd - serverAtMeasure) / (seconds * 1e9);
            long n = received.get();
            long firstHalf = receivedFirstHalf.get();
            Double drift = firstHalf == 0 ? null : (n - firstHalf) / (double) firstHalf;
            BenchResult bench = new BenchResult(w.describe(), seconds, published.get(), n, n / seconds,
                    n * (double) w.messageBytes() / seconds / 1e6, percentileMs(all, 50), percentileMs(all, 99),
                    percentileMs(all, 99.9), all.getMaxValue() / 1000.0, cpu, errors.get(), drift,
                    stealAtEnd == null ? null : stealAtEnd.percentSince(stealAtMeasure));
            return new LoadResult(bench, server, sampled.get());
        }
    }

    private static double percentileMs(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static void publishLoop(Workload w, BusDriver.Publisher handle, long rate, long measureFrom, long end,
                                    AtomicLong published, AtomicLong errors) {
        long intervalNanos = rate > 0 ? 1_000_000_000L / rate : 0;
        int count = w.batch();
        int permits = Math.max(1, WINDOW / count);
        Semaphore window = new Semaphore(permits);
        long next = System.nanoTime();
        while (System.nanoTime() < end) {
            if (intervalNanos > 0) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                next += intervalNanos * count;
            }
            try {
                if (!window.tryAcquire(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long t = System.nanoTime();
            List<byte[]> batch = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                batch.add(Payloads.of(t, w.messageBytes()));
            }
            boolean counted = t >= measureFrom && t <= end;
            try {
                handle.publish(batch).whenComplete((r, e) -> {
                    window.release();
                    if (e != null) {
                        errors.incrementAndGet();
                    } else if (counted) {
                        published.addAndGet(count);
                    }
                });
            } catch (RuntimeException e) {
                window.release();
                errors.incrementAndGet();
            }
        }
        try {
            // wait for the last confirmations, so the drain knows how many to expect
            window.tryAcquire(permits, 10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
