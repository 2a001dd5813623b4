package dev.kmb.bench.e2e;

/**
 * One {@link LoadRun}: what the harness measured, plus the server's CPU over the measurement window in percent
 * of one core (100 = one core busy; -1 when unknown). For a server inside the harness JVM it is the whole
 * JVM's, load generator included.
 */
public record LoadResult(BenchResult bench, double serverCpuPercent) {
}
