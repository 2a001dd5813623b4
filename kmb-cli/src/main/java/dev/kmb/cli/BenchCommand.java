package dev.kmb.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kmb.bench.e2e.BenchResult;
import dev.kmb.bench.e2e.EndToEndBench;
import dev.kmb.bench.e2e.FanoutBench;
import dev.kmb.bench.e2e.ScratchBus;
import dev.kmb.bench.e2e.Workload;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kmb bench}: the end-to-end load harness. Starts a bus in a temporary directory (or targets
 * {@code --url}), primes it with an unmeasured max-rate run, runs a max-rate phase, then a fixed-rate phase at half of
 * what max rate reached, and prints throughput and publish→receipt latency, with a note for a phase whose rate was
 * not steady or during which the hypervisor took much of the CPU; {@code --json} writes the same as JSON.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchCompareCommand.class,
        description = "End-to-end load: publishers -> topic -> subscription with acking consumers.")
final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    LoadOptions load;

    @Option(names = "--url", description = "bus to target (default: start one in a temporary directory)")
    URI url;

    @Option(names = "--size", defaultValue = "256B", description = "payload size, e.g. 256B, 1KiB, 16KiB (default ${DEFAULT-VALUE})")
    String size;



    @Option(names = "--transport", defaultValue = "ws", description = "ws or http (default ${DEFAULT-VALUE})")
    String transport;


    @Option(names = "--duration", defaultValue = "20s", description = "measured time per phase (default ${DEFAULT-VALUE})")
    String duration;


    @Option(names = "--rate", description = "only a fixed-rate phase at this many msgs/s")
    Long rate;


    @Option(names = "--durability", defaultValue = "durable", description = "ephemeral, durable or persistent (default ${DEFAULT-VALUE})")
    String durability;

    @Option(names = "--sse-subscribers", description = "instead: SSE fan-out of one topic to this many subscribers, at --rate msgs/s (default 100)")
    Integer sseSubscribers;

    @Option(names = "--nack-percent", defaultValue = "0",
            description = "consumers nack this %% of messages on their first delivery (redelivered after 1 s) (default ${DEFAULT-VALUE})")
    int nackPercent;

    @Option(names = "--dedup", defaultValue = "on",
            description = "the topic's publish dedup: on (a 120 s window, the bus default) or off (default ${DEFAULT-VALUE})")
    String dedup;

    @Option(names = "--json", description = "write the results as JSON to this file")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Workload w;
        Duration prime;
        try {
            w = new Workload(parseSize(size), load.publishers, load.consumers, load.warmup(), parseDuration(duration),
                    Workload.Transport.valueOf(transport.toUpperCase(Locale.ROOT)), OptionalLong.empty(), load.partitions, durability,
                    load.batch, nackPercent, parseOnOff("--dedup", dedup));
            prime = load.prime();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ScratchBus bus = url == null ? ScratchBus.start() : null;
        URI target = bus == null ? url : bus.uri();
        if (bus != null) {
            err.println("kmb bench: started a bus at " + bus);
        }
        List<BenchResult> results = new ArrayList<>();
        if (sseSubscribers != null) {
            try {
                FanoutBench.Result r = new FanoutBench(target).run(sseSubscribers, rate == null ? 100 : rate,
                        parseDuration(duration), parseSize(size), line -> progress(err, line));
                err.println();
                out.printf("SSE fan-out to %d subscribers: %,d published, %,d of %,d deliveries (%,.0f/s), p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
                        r.subscribers(), r.published(), r.delivered(), r.expected(), r.deliveriesPerSec(), r.p50Ms(), r.p99Ms(),
                        r.p999Ms(), r.maxMs());
                if (json != null) {
                    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), r);
                    out.println("wrote " + json);
                }
                return r.delivered() == r.expected() ? ExitCodes.OK : ExitCodes.DAMAGED;
            } finally {
                if (bus != null) {
                    bus.close();
                }
            }
        }
        try {
            EndToEndBench bench = new EndToEndBench(target);
            if (!prime.isZero()) {
                Workload primer = w.primer(prime);
                err.println("prime (not measured): " + primer.describe() + " for " + prime.toSeconds() + " s");
                bench.run(primer, line -> progress(err, line));
                err.println();
            }
            if (rate == null) {
                err.println("phase 1: " + w.describe());
                BenchResult max = bench.run(w, line -> progress(err, line));
                results.add(max);
                long half = Math.max(1, (long) (max.msgsPerSec() / 2));
                Workload fixed = w.atRate(half);
                err.println();
                err.println("phase 2: " + fixed.describe());
                results.add(bench.run(fixed, line -> progress(err, line)));
            } else {
                Workload fixed = w.atRate(rate);
                err.println("phase 1: " + fixed.describe());
                results.add(bench.run(fixed, line -> progress(err, line)));
            }
            err.println();
        } finally {
            if (bus != null) {
                bus.close();
            }
        }
        out.printf("%-80s %12s %9s %9s %9s %9s %7s%n", "workload", "msgs/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "CPU %");
        for (BenchResult r : results) {
            out.printf("%-80s %,12.0f %9.1f %9.2f %9.2f %9.2f %7.0f%n", r.workload(), r.msgsPerSec(), r.mbPerSec(), r.p50Ms(),
                    r.p99Ms(), r.p999Ms(), r.cpuPercent());
        }
        results.stream().flatMap(r -> r.notes().stream()).forEach(out::println);
        if (json != null) {
            Report doc = new Report(Instant.now().toString(), target.toString(), Runtime.getRuntime().availableProcessors(), results);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), doc);
            out.println("wrote " + json);
        }
        return ExitCodes.OK;
    }

    /** The JSON file: when, against what, on how many cores, and each phase's result. */
    record Report(String date, String target, int cores, List<BenchResult> results) {
    }

    private static void progress(PrintWriter err, String line) {
        err.print("\r" + line);
        err.flush();
    }

    static int parseSize(String s) {
        String v = s.trim().toUpperCase(Locale.ROOT);
        int mult = 1;
        if (v.endsWith("KIB") || v.endsWith("KB") || v.endsWith("K")) {
            mult = 1024;
            v = v.replaceAll("(KIB|KB|K)$", "");
        } else if (v.endsWith("B")) {
            v = v.substring(0, v.length() - 1);
        }
        return Integer.parseInt(v.trim()) * mult;
    }

    static boolean parseOnOff(String option, String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(option + " must be on or off, was '" + s + "'");
        };
    }

    static Duration parseDuration(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(v.endsWith("s") ? v.substring(0, v.length() - 1) : v));
    }

}
