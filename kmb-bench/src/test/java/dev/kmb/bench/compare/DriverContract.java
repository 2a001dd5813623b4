package dev.kmb.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.bench.e2e.BenchResult;
import dev.kmb.bench.e2e.BusDriver;
import dev.kmb.bench.e2e.CpuProbe;
import dev.kmb.bench.e2e.LoadResult;
import dev.kmb.bench.e2e.LoadRun;
import dev.kmb.bench.e2e.Workload;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** What every driver must do, checked with a few hundred messages: deliver them all, and clean up after itself. */
final class DriverContract {

    /** 2 publishers at 300 msgs/s for 1 s, 2 consumers, 2 partitions, 1 KiB. */
    static final Workload SMALL = new Workload(1024, 2, 2, Duration.ZERO, Duration.ofSeconds(1), Workload.Transport.WS,
            OptionalLong.of(300), 2, "durable", 1, 0, true);

    private DriverContract() {
    }

    /** Runs {@link #SMALL}: every message published in the window arrives, with a latency, and nothing failed. */
    static LoadResult deliversEverything(Supplier<BusDriver> drivers, CpuProbe cpu) throws Exception {
        LoadResult r = LoadRun.run(drivers.get(), SMALL, cpu, line -> { });
        BenchResult b = r.bench();
        assertThat(b.publishErrors()).isZero();
        assertThat(b.published()).isPositive();
        assertThat(r.delivered()).as("published in the window and delivered").isEqualTo(b.published());
        assertThat(b.p50Ms()).isPositive();
        assertThat(b.p999Ms()).isGreaterThanOrEqualTo(b.p50Ms());
        return r;
    }

    /** Opens a driver under a known run id: the destination exists while open and is gone after close. */
    static void cleansUp(Supplier<BusDriver> drivers, Predicate<String> exists) throws Exception {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        BusDriver d = drivers.get();
        try {
            d.open(SMALL, runId, sent -> { });
            assertThat(exists.test(runId)).as("destination of run %s while open", runId).isTrue();
        } finally {
            d.close();
        }
        assertThat(exists.test(runId)).as("destination of run %s after close", runId).isFalse();
    }
}
