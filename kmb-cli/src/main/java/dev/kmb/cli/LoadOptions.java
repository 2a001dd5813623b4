package dev.kmb.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The load shape both {@code kmb bench} and {@code kmb bench compare} take (a picocli mixin). */
final class LoadOptions {

    @Option(names = {"-p", "--publishers"}, defaultValue = "4", description = "publishers (default ${DEFAULT-VALUE})")
    int publishers;

    @Option(names = {"-c", "--consumers"}, defaultValue = "2", description = "consumers (default ${DEFAULT-VALUE})")
    int consumers;

    @Option(names = "--partitions", defaultValue = "4", description = "topic partitions (KMB and Kafka) (default ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--batch", defaultValue = "1",
            description = "messages per publish call, HTTP request or WebSocket frame (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--warmup", defaultValue = "5s", description = "warm-up per phase (default ${DEFAULT-VALUE})")
    String warmup;

    /*
     * 30 s: on this project's 2-core machine the JIT keeps compiling a max-rate run's hot paths for 30-40 s (C2
     * compilations per 5 s fall from hundreds to a few dozen only then), and a run measured before that reads the
     * compiler's progress rather than the bus: dedup on vs off measured 0.85 after a 10 s warm-up and 1.00 after 40 s.
     */
    @Option(names = "--prime", defaultValue = "30s",
            description = "unmeasured max-rate run before the measured phases, so none is measured while the JIT is still compiling; 0s: none (default ${DEFAULT-VALUE})")
    String prime;

    /** {@code --warmup} parsed; refused when negative. */
    Duration warmup() {
        return notNegative("--warmup", warmup);
    }

    /** {@code --prime} parsed; refused when negative. */
    Duration prime() {
        return notNegative("--prime", prime);
    }

    private static Duration notNegative(String option, String value) {
        Duration d = BenchCommand.parseDuration(value);
        if (d.isNegative()) {
            throw new IllegalArgumentException(option + " must not be negative, was '" + value + "'");
        }
        return d;
    }
}
