package dev.kmb.bench.e2e;

/**
 * What one run measured, over the measurement window (after warm-up): {@code published} is the messages
 * confirmed that were published in it, {@code received} (and msgs/s, MB/s) the consumer receipts inside it.
 * Latency is from the publish call to the consumer's receipt, in milliseconds, for messages published in it. CPU is the harness process (server included when the harness
 * started it), in percent of all cores.
 */
public record BenchResult(String workload, double seconds, long published, long received, double msgsPerSec,
                          double mbPerSec, double p50Ms, double p99Ms, double p999Ms, double maxMs, double cpuPercent,
                          long publishErrors) {
}
