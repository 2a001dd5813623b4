package dev.kmb.bench.e2e;

import java.net.URI;
import java.util.function.Consumer;

/**
 * The end-to-end load harness against one bus: drives it over real sockets with P publishers (WebSocket or
 * HTTP batches) into one topic and C WebSocket consumers of one shared subscription that ack every message,
 * through the same {@link LoadRun} loop that {@code kmb bench compare} runs every peer through. CPU in the
 * result is the harness process (the server included when the harness started it). Not thread-safe.
 */
public final class EndToEndBench {

    private final URI base;

    public EndToEndBench(URI base) {
        this.base = base;
    }

    /** Runs the workload on a fresh topic and subscription; {@code progress} gets a line a second. */
    public BenchResult run(Workload w, Consumer<String> progress) throws Exception {
        return LoadRun.run(new KmbDriver(base), w, CpuProbe.jvm(), progress).bench();
    }

    /** The publish time a payload carries: {@code {"t":<nanos>,…}}. */
    static long sentAt(String payload) {
        return Payloads.sentAt(payload);
    }
}
