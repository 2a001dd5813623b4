package dev.kmb.bench.compare;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Draws a comparison as one PNG with XChart: max-rate throughput bars on the left, latency percentiles at
 * 50 % load on the right, one group per system that ran. Thread-safe (stateless); runs headless.
 */
public final class ComparisonChart {

    private ComparisonChart() {
    }

    /** Writes the chart to {@code png}; false (and nothing written) when no system ran. */
    public static boolean write(ComparisonReport report, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> systems = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        List<Double> p999 = new ArrayList<>();
        for (ComparisonReport.Line l : report.lines()) {
            if (l.skipped() == null) {
                systems.add(l.system());
                rates.add(l.msgsPerSec());
                p50.add(l.p50Ms());
                p99.add(l.p99Ms());
                p999.add(l.p999Ms());
            }
        }
        if (systems.isEmpty()) {
            return false;
        }
        CategoryChart throughput = new CategoryChartBuilder().width(640).height(420)
                .title("Throughput at max rate").xAxisTitle(shortWorkload(report.workload())).yAxisTitle("msgs/s").build();
        style(throughput);
        throughput.getStyler().setLegendVisible(false);
        throughput.getStyler().setLabelsVisible(true);
        throughput.getStyler().setYAxisDecimalPattern("#,###");
        throughput.addSeries("msgs/s", systems, rates);

        CategoryChart latency = new CategoryChartBuilder().width(640).height(420)
                .title("Publish -> receipt latency at 50 % of each max").yAxisTitle("ms (log scale)").build();
        style(latency);
        latency.getStyler().setYAxisLogarithmic(true);
        // bars start at 0 unless told otherwise, and a log axis has no 0
        double smallest = floor(p50).stream().mapToDouble(Double::doubleValue).min().orElse(0.001);
        latency.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
        latency.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        latency.addSeries("p50", systems, floor(p50));
        latency.addSeries("p99", systems, floor(p99));
        latency.addSeries("p99.9", systems, floor(p999));

        String file = png.toString();
        String base = file.endsWith(".png") ? file.substring(0, file.length() - 4) : file;
        BitmapEncoder.saveBitmap(List.of(throughput, latency), 1, 2, base, BitmapEncoder.BitmapFormat.PNG);
        return true;
    }

    /** The workload without its rate, which differs per system and phase: "1024 B, 4 publisher(s) …, durable". */
    static String shortWorkload(String workload) {
        int rate = workload.lastIndexOf(", max rate");
        return rate < 0 ? workload : workload.substring(0, rate);
    }

    private static void style(CategoryChart c) {
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setPlotGridVerticalLinesVisible(false);
        c.getStyler().setAvailableSpaceFill(0.8);
    }

    /** A log axis cannot show 0: latencies under a microsecond are drawn at 0.001 ms. */
    private static List<Double> floor(List<Double> values) {
        return values.stream().map(v -> Math.max(0.001, v)).toList();
    }
}
