package dev.kmb.bench.e2e;

/**
 * One {@link LoadRun}: what the harness measured, the server's CPU over the measurement window in percent
 * of one core (100 = one core busy; -1 when unknown; for a server inside the harness JVM it is the whole
 * JVM's, load generator included), and how many of the messages published in the window reached a consumer
 * by the end of the drain ({@code bench.published()} when none was lost or late).
 */
public record LoadResult(BenchResult bench, double serverCpuPercent, long delivered) {
}
