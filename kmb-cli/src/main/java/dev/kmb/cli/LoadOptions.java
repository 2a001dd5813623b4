package dev.kmb.cli;

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
}
