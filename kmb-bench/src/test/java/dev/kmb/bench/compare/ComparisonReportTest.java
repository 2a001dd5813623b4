package dev.kmb.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.bench.e2e.BenchResult;
import dev.kmb.bench.e2e.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonReportTest {

    private static LoadResult load(double msgsPerSec, double p99, double serverCpu) {
        return new LoadResult(new BenchResult("w", 10, (long) (msgsPerSec * 10), (long) (msgsPerSec * 10), msgsPerSec,
                msgsPerSec * 1024 / 1e6, p99 / 4, p99, p99 * 2, p99 * 3, 40, 0, 1.0, 0.5), serverCpu, (long) (msgsPerSec * 10));
    }

    private static LoadResult drifting(double msgsPerSec, Double drift) {
        return measured(msgsPerSec, drift, 0.0);
    }

    private static LoadResult measured(double msgsPerSec, Double drift, Double steal) {
        return new LoadResult(new BenchResult("w at max rate", 10, (long) (msgsPerSec * 10), (long) (msgsPerSec * 10),
                msgsPerSec, 1, 1, 1, 1, 1, 40, 0, drift, steal), 50, (long) (msgsPerSec * 10));
    }

    private static ComparisonRow row(String system, double max, double p99AtHalf, double cpu) {
        return ComparisonRow.measured(system, "d-" + system, load(max, 100, cpu), load(max / 2, p99AtHalf, cpu / 2));
    }

    private static ComparisonReport report(List<ComparisonRow> rows) {
        return ComparisonReport.of("2026-11-21T21:00:00Z", "kmb bench compare", 2, "1.00 1.00 1.00", "2.00 2.00 2.00",
                "1024 B", rows);
    }

    @Test
    void ratiosAreEachSystemOverKmbsMaxRateAndItsP99AtHalfLoad() {
        ComparisonReport r = report(List.of(row("kmb", 10_000, 4.0, 150), row("nats", 25_000, 2.0, 60),
                row("rabbitmq", 2_500, 12.0, 90)));

        assertThat(r.lines()).extracting(ComparisonReport.Line::throughputVsKmb).containsExactly(1.0, 2.5, 0.25);
        assertThat(r.lines()).extracting(ComparisonReport.Line::p99VsKmb).containsExactly(1.0, 0.5, 3.0);
        ComparisonReport.Line nats = r.lines().get(1);
        assertThat(nats.msgsPerSec()).isEqualTo(25_000);
        assertThat(nats.p99Ms()).isEqualTo(2.0); // latency comes from the 50 % phase
        assertThat(nats.serverCpuPercent()).isEqualTo(60); // CPU from the max-rate phase
        assertThat(nats.serverInHarness()).isFalse();
        assertThat(r.lines().get(0).serverInHarness()).isTrue();
        assertThat(nats.harnessCpuPercent()).isCloseTo(80, within(1e-9)); // 40 % of all cores on 2 cores
    }

    @Test
    void withoutAKmbRowThereAreNoRatiosAndSkippedRowsHaveNoFigures() {
        ComparisonReport r = report(List.of(ComparisonRow.skipped("kmb", "-", "failed: boom"), row("nats", 25_000, 2.0, 60),
                ComparisonRow.skipped("redis", "-", "unreachable at 127.0.0.1:6379")));

        assertThat(r.lines()).extracting(ComparisonReport.Line::throughputVsKmb).containsOnlyNulls();
        assertThat(r.lines().get(2).msgsPerSec()).isNull();
        assertThat(r.table()).contains("redis", "skipped: unreachable at 127.0.0.1:6379");
    }

    @Test
    void aKmbRowThatReceivedNothingGivesNoRatioRatherThanInfinity() {
        ComparisonReport r = report(List.of(row("kmb", 0, 0, 0), row("nats", 1_000, 1, 1)));

        assertThat(r.lines().get(1).throughputVsKmb()).isNull();
        assertThat(r.lines().get(1).p99VsKmb()).isNull();
    }

    @Test
    void tablesShowFiguresRatiosAndInHarnessCpuMarked() {
        ComparisonReport r = report(List.of(row("kmb", 10_000, 4.0, 150), row("nats", 25_000, 2.0, 60),
                ComparisonRow.skipped("kmb-kafka", "acks=all", "not available yet")));

        assertThat(r.table()).contains("10,000", "25,000", "2.50x", "0.50x", "150%*", "60%", "skipped: not available yet");
        assertThat(r.markdownTable()).contains("| nats | d-nats | 25,000 | 25.6 | 25,000 | 0.50 | 2.00 | 4.00 | 60% | 2.50x | 0.50x |",
                "| kmb-kafka | acks=all | skipped: not available yet |");
    }

    @Test
    void jsonCarriesTheRunConditionsAndEveryFigure(@TempDir Path dir) throws Exception {
        ComparisonReport r = report(List.of(row("kmb", 10_000, 4.0, 150), row("nats", 25_000, 2.0, 60)));
        Path file = dir.resolve("r.json");
        new ObjectMapper().writeValue(file.toFile(), r);

        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.get("command").asText()).isEqualTo("kmb bench compare");
        assertThat(json.get("loadBefore").asText()).isEqualTo("1.00 1.00 1.00");
        JsonNode nats = json.get("lines").get(1);
        assertThat(nats.get("system").asText()).isEqualTo("nats");
        assertThat(nats.get("throughputVsKmb").asDouble()).isEqualTo(2.5);
        assertThat(nats.get("maxRate").get("msgsPerSec").asDouble()).isEqualTo(25_000);
        assertThat(nats.get("fixedRate").get("p99Ms").asDouble()).isEqualTo(2.0);
        assertThat(nats.get("publishedPerSec").asDouble()).isEqualTo(25_000);
    }

    @Test
    void aPhaseWhoseRateChangedWithinItsWindowIsFlaggedInTheTableAndANoisyButSteadyOneIsNot() {
        ComparisonReport r = report(List.of(
                ComparisonRow.measured("kmb", "d", drifting(100_000, 1.45), drifting(50_000, 1.02)),
                ComparisonRow.measured("nats", "d", drifting(90_000, 0.93), drifting(45_000, 1.0)),
                ComparisonRow.measured("redis", "d", drifting(90_000, 1.0), drifting(45_000, 0.8))));

        assertThat(r.notes()).hasSize(2);
        assertThat(r.notes().get(0)).startsWith("kmb: note: w at max rate was not steady")
                .contains("1.45 x its first half", "still speeding up", "--prime");
        assertThat(r.notes().get(1)).startsWith("redis: note:").contains("0.80 x", "slowed down");
        assertThat(r.table()).contains("kmb: note: w at max rate was not steady");
    }

    @Test
    void aPhaseDuringWhichTheHypervisorTookMuchCpuIsFlaggedAsNoisy() {
        ComparisonReport r = report(List.of(
                ComparisonRow.measured("kmb", "d", measured(100_000, 1.0, 14.6), measured(50_000, 1.0, 4.0))));

        assertThat(r.notes()).singleElement().asString()
                .startsWith("kmb: note: during w at max rate the hypervisor took 15 % of this machine's CPU time");
    }

    @Test
    void aResultSavedBeforeDriftWasMeasuredRendersWithoutNotes(@TempDir Path dir) throws Exception {
        ComparisonReport r = report(List.of(ComparisonRow.measured("kmb", "d", drifting(100_000, 1.45), drifting(50_000, 1.0))));
        Path file = dir.resolve("old.json");
        String json = new ObjectMapper().writeValueAsString(r).replaceAll(",?\"(drift|stealPercent)\":[0-9.]+", "");
        assertThat(json).doesNotContain("drift", "stealPercent");
        Files.writeString(file, json);

        ComparisonReport back = ComparisonReport.read(file);

        assertThat(back.lines().get(0).maxRate().drift()).isNull();
        assertThat(back.lines().get(0).maxRate().stealPercent()).isNull();
        assertThat(back.notes()).isEmpty();
        assertThat(back.lines().get(0).msgsPerSec()).isEqualTo(100_000);
    }

    @Test
    void aWrittenReportReadsBackTheSame(@TempDir Path dir) throws Exception {
        ComparisonReport r = report(List.of(row("kmb", 10_000, 4.0, 150), ComparisonRow.skipped("redis", "-", "down")));
        Path file = dir.resolve("r.json");
        new ObjectMapper().writeValue(file.toFile(), r);

        ComparisonReport back = ComparisonReport.read(file);
        assertThat(back).isEqualTo(r);
        assertThat(back.table()).isEqualTo(r.table());
    }

    @Test
    void chartIsAPngWhenSomethingRanAndNothingOtherwise(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("c.png");
        assertThat(ComparisonChart.write(report(List.of(row("kmb", 10_000, 4.0, 150), row("nats", 25_000, 0.0, 60))), png)).isTrue();
        byte[] head = Files.readAllBytes(png);
        assertThat(head).startsWith(0x89, 'P', 'N', 'G');

        Path none = dir.resolve("none.png");
        assertThat(ComparisonChart.write(report(List.of(ComparisonRow.skipped("kmb", "-", "x"))), none)).isFalse();
        assertThat(none).doesNotExist();
    }
}
