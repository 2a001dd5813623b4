package dev.kmb.bench.compare;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.bench.e2e.BenchResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A finished comparison as it is printed, written to JSON and charted: when and how it ran (command, cores,
 * load average before and after), and one {@link Line} per system with its ratios to KMB's row. Throughput
 * is the max-rate phase; latency is the fixed-rate phase at 50 % of that system's own max.
 */
public record ComparisonReport(String date, String command, int cores, String loadBefore, String loadAfter,
                               String workload, List<Line> lines) {

    /**
     * One system. {@code throughputVsKmb} is its msgs/s ÷ KMB's and {@code p99VsKmb} its p99 ÷ KMB's (null when
     * either did not run); {@code serverCpuPercent} is its server's CPU during max rate in % of one core (for
     * servers inside the bench JVM, that JVM's, load generator included: {@code serverInHarness}).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Line(String system, String durability, String skipped, Double msgsPerSec, Double mbPerSec,
                       Double p50Ms, Double p99Ms, Double p999Ms, Double serverCpuPercent, boolean serverInHarness,
                       Double harnessCpuPercent, Double throughputVsKmb, Double p99VsKmb, BenchResult maxRate,
                       BenchResult fixedRate) {

        /**
         * Publishes confirmed per second at max rate: above {@link #msgsPerSec} when publishers outran the
         * consumers and built a backlog.
         */
        @JsonProperty
        public Double publishedPerSec() {
            return maxRate == null ? null : maxRate.published() / maxRate.seconds();
        }
    }

    /** Builds the lines from the rows, in their order; the baseline is the row of system {@code kmb}. */
    public static ComparisonReport of(String date, String command, int cores, String loadBefore, String loadAfter,
                                      String workload, List<ComparisonRow> rows) {
        ComparisonRow kmb = rows.stream().filter(r -> r.system().equals(ComparedSystem.KMB.id()) && r.ran())
                .findFirst().orElse(null);
        List<Line> lines = new ArrayList<>();
        for (ComparisonRow r : rows) {
            if (!r.ran()) {
                lines.add(new Line(r.system(), r.durability(), r.skipped(), null, null, null, null, null, null, false,
                        null, null, null, null, null));
                continue;
            }
            BenchResult max = r.maxRate().bench();
            BenchResult fixed = r.fixedRate().bench();
            boolean inHarness = !ComparedSystem.of(r.system()).isExternal();
            double server = r.maxRate().serverCpuPercent();
            lines.add(new Line(r.system(), r.durability(), null, max.msgsPerSec(), max.mbPerSec(), fixed.p50Ms(),
                    fixed.p99Ms(), fixed.p999Ms(), server < 0 ? null : server, inHarness,
                    max.cpuPercent() * cores, kmb == null ? null : ratio(max.msgsPerSec(), kmb.maxRate().bench().msgsPerSec()),
                    kmb == null ? null : ratio(fixed.p99Ms(), kmb.fixedRate().bench().p99Ms()), max, fixed));
        }
        return new ComparisonReport(date, command, cores, loadBefore, loadAfter, workload, lines);
    }

    /** Reads a report written as JSON (by {@code kmb bench compare}). */
    public static ComparisonReport read(Path json) throws IOException {
        return new ObjectMapper().readValue(json.toFile(), ComparisonReport.class);
    }

    /** {@code value / base}, or null when the base is zero (nothing to compare with). */
    static Double ratio(double value, double base) {
        return base > 0 ? value / base : null;
    }

    /** The plain-text table for the terminal. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-15s %11s %8s %11s %9s %9s %9s %11s %9s %8s %8s  %s%n", "system", "msgs/s",
                "MB/s", "published/s", "p50 ms", "p99 ms", "p99.9 ms", "server CPU", "load CPU", "x KMB", "p99 x", "durability"));
        for (Line l : lines) {
            if (l.skipped() != null) {
                b.append(String.format(Locale.ROOT, "%-15s %s%n", l.system(), "skipped: " + l.skipped()));
                continue;
            }
            b.append(String.format(Locale.ROOT, "%-15s %,11.0f %8.1f %,11.0f %9.2f %9.2f %9.2f %11s %8.0f%% %8s %8s  %s%n",
                    l.system(), l.msgsPerSec(), l.mbPerSec(), l.publishedPerSec(), l.p50Ms(), l.p99Ms(), l.p999Ms(), cpu(l),
                    l.harnessCpuPercent(), times(l.throughputVsKmb()), times(l.p99VsKmb()), l.durability()));
        }
        b.append("msgs/s (consumer receipts), MB/s, published/s (confirmed publishes) and CPU at max rate;\n")
                .append("latency (publish -> consumer receipt) at 50 % of each system's max;\n")
                .append("CPU in % of one core; * = server inside the bench JVM (its CPU includes the load generator);\n")
                .append("x KMB = msgs/s / KMB's; p99 x = p99 / KMB's p99.\n");
        notes().forEach(n -> b.append(n).append('\n'));
        return b.toString();
    }

    /** The {@link BenchResult#notes} of every phase (not steady, machine not quiet), each naming its system. */
    public List<String> notes() {
        List<String> notes = new ArrayList<>();
        for (Line l : lines) {
            for (BenchResult r : new BenchResult[] {l.maxRate(), l.fixedRate()}) {
                if (r != null) {
                    r.notes().forEach(n -> notes.add(l.system() + ": " + n));
                }
            }
        }
        return notes;
    }

    /** The same table in Markdown, for docs and the README. */
    public String markdownTable() {
        StringBuilder b = new StringBuilder();
        b.append("| system | durability | msgs/s | MB/s | published/s | p50 ms | p99 ms | p99.9 ms | server CPU | msgs/s ÷ KMB | p99 ÷ KMB |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Line l : lines) {
            if (l.skipped() != null) {
                b.append("| ").append(l.system()).append(" | ").append(l.durability()).append(" | skipped: ")
                        .append(l.skipped().replace("|", "\\|")).append(" | | | | | | | | |\n");
                continue;
            }
            b.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.1f | %,.0f | %.2f | %.2f | %.2f | %s | %s | %s |%n",
                    l.system(), l.durability(), l.msgsPerSec(), l.mbPerSec(), l.publishedPerSec(), l.p50Ms(), l.p99Ms(), l.p999Ms(), cpu(l),
                    times(l.throughputVsKmb()), times(l.p99VsKmb())));
        }
        return b.toString();
    }

    private static String cpu(Line l) {
        return l.serverCpuPercent() == null ? "n/a"
                : String.format(Locale.ROOT, "%.0f%%%s", l.serverCpuPercent(), l.serverInHarness() ? "*" : "");
    }

    static String times(Double ratio) {
        return ratio == null ? "-" : String.format(Locale.ROOT, "%.2fx", ratio);
    }
}
