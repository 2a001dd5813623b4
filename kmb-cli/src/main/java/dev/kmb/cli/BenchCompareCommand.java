package dev.kmb.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kmb.bench.compare.ComparedSystem;
import dev.kmb.bench.compare.Comparison;
import dev.kmb.bench.compare.ComparisonChart;
import dev.kmb.bench.compare.ComparisonReport;
import dev.kmb.bench.compare.ComparisonRow;
import dev.kmb.bench.e2e.Workload;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kmb bench compare}: the same workload against KMB and its peers (NATS JetStream, RabbitMQ, Redis
 * Streams, raw Kafka), one after another in this invocation; prints one table and writes JSON, Markdown and a
 * PNG chart to {@code --out}.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Side-by-side benchmark: the same load against KMB, NATS JetStream, RabbitMQ, Redis Streams and Kafka.",
                "Each system: a max-rate phase, then a fixed-rate phase at 50 %% of its own max."})
final class BenchCompareCommand implements Callable<Integer> {

    /** Sizes the published comparisons use; others are allowed but flagged. */
    static final Set<Integer> STANDARD_SIZES = Set.of(256, 1024, 16 * 1024);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    LoadOptions load;

    @Option(names = "--systems", defaultValue = ComparedSystem.DEFAULT_LIST,
            description = "comma-separated: kmb, kmb-persistent, kmb-kafka, nats, rabbitmq, redis, kafka (default ${DEFAULT-VALUE})")
    String systems;

    @Option(names = "--size", defaultValue = "1KiB", description = "payload size: 256B, 1KiB or 16KiB (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--duration", defaultValue = "30s", description = "measured time per phase (default ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--kmb-durability", defaultValue = "durable",
            description = "durability of the kmb row's topic: durable or persistent (default ${DEFAULT-VALUE})")
    String kmbDurability;

    @Option(names = "--out", defaultValue = "bench-results",
            description = "directory for <date>-compare-<size>.{json,md,png} (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--render", paramLabel = "JSON",
            description = "instead of running: print the table of a saved result and rewrite its JSON, Markdown and chart beside it")
    Path render;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (render != null) {
            if (!Files.isRegularFile(render)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--render: no such file " + render);
            }
            ComparisonReport report;
            try {
                report = ComparisonReport.read(render);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--render: " + render
                        + " is not a kmb bench compare result: " + e.getMessage(), e);
            }
            String name = render.getFileName().toString();
            Path dir = render.toAbsolutePath().getParent();
            write(report, dir, name.endsWith(".json") ? name.substring(0, name.length() - 5) : name, stdout);
            return ExitCodes.OK;
        }
        List<ComparedSystem> list;
        Workload w;
        Duration primeFor;
        try {
            list = ComparedSystem.parseList(systems);
            int bytes = BenchCommand.parseSize(size);
            if (!Set.of("durable", "persistent").contains(kmbDurability)) {
                throw new IllegalArgumentException("--kmb-durability must be durable or persistent, was '" + kmbDurability + "'");
            }
            Duration d = positive("--duration", duration);
            Duration wu = load.warmup();
            primeFor = load.prime();
            if (bytes < 64 || bytes > 1024 * 1024) {
                throw new IllegalArgumentException("--size must be 64 B .. 1 MiB, was '" + size + "'");
            }
            w = new Workload(bytes, load.publishers, load.consumers, wu, d, Workload.Transport.WS, OptionalLong.empty(),
                    load.partitions, kmbDurability, load.batch, 0, true);
            if (!STANDARD_SIZES.contains(bytes)) {
                err.println("note: " + size + " is not one of the published sizes (256B, 1KiB, 16KiB)");
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }

        String loadBefore = loadAverage();
        err.println("kmb bench compare: " + w.describe().replace("max rate", "max rate then 50 %") + "; load average " + loadBefore);
        List<ComparisonRow> rows = new ArrayList<>();
        try (Comparison comparison = new Comparison(w, kmbDurability, primeFor, line -> progress(err, line), line -> {
            err.print("\r\033[K");
            err.println(line);
            err.flush();
        })) {
            for (ComparedSystem s : list) {
                rows.add(comparison.run(s));
                err.print("\r\033[K");
                err.flush();
            }
        }
        String command = "kmb " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        ComparisonReport report = ComparisonReport.of(Instant.now().toString(), command,
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage(), w.describe(), rows);
        write(report, out, LocalDate.now(ZoneOffset.UTC) + "-compare-" + size.replace(" ", ""), stdout);
        return rows.stream().anyMatch(ComparisonRow::ran) ? ExitCodes.OK : ExitCodes.ERROR;
    }

    /** Prints the table, then writes {@code <stem>.json}, {@code .md} and (when something ran) {@code .png} to {@code dir}. */
    private static void write(ComparisonReport report, Path dir, String stem, PrintWriter stdout) throws IOException {
        stdout.print(report.table());
        stdout.flush();
        Files.createDirectories(dir);
        Path json = dir.resolve(stem + ".json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        Path md = dir.resolve(stem + ".md");
        Path png = dir.resolve(stem + ".png");
        boolean charted = ComparisonChart.write(report, png);
        Files.writeString(md, markdown(report, charted ? png.getFileName().toString() : null));
        stdout.println("wrote " + json + ", " + md + (charted ? ", " + png : ""));
    }

    private static Duration positive(String option, String value) {
        Duration d = BenchCommand.parseDuration(value);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, was '" + value + "'");
        }
        return d;
    }

    static String markdown(ComparisonReport r, String chart) {
        StringBuilder b = new StringBuilder();
        b.append("# Side-by-side comparison, ").append(r.date(), 0, 10).append("\n\n");
        b.append("Command: `./").append(r.command()).append("`  \n");
        b.append("Workload: ").append(r.workload()).append("; max-rate phase, then a fixed-rate phase at 50 % of each system's max.  \n");
        b.append("Machine: ").append(r.cores()).append(" cores; load average before ").append(r.loadBefore())
                .append(", after ").append(r.loadAfter()).append(".\n\n");
        b.append(r.markdownTable()).append('\n');
        r.notes().forEach(n -> b.append("- ").append(n).append('\n'));
        b.append("msgs/s, MB/s and server CPU at max rate (CPU in % of one core; `*` = server inside the bench JVM, its CPU "
                + "includes the load generator). Latency = publish call → consumer receipt at 50 % of that system's max.\n");
        if (chart != null) {
            b.append("\n![throughput and latency](").append(chart).append(")\n");
        }
        return b.toString();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void progress(PrintWriter err, String line) {
        err.print("\r\033[K" + line);
        err.flush();
    }
}
