package dev.kmb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmb.broker.SnapshotFormat;
import dev.kmb.broker.SnapshotManifest;
import dev.kmb.broker.SnapshotWriter;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kmb export}: copies a topic of a running bus, over its HTTP API, into a snapshot directory in the bus's own
 * {@link SnapshotFormat} — the same files {@code POST /v1/topics/{name}/snapshots} writes. Like the bus, it captures
 * every partition's end offset first (from {@code GET /v1/topics/{name}}) and then replays each partition up to it,
 * so later publishes are not in the export. Only the HTTP API is used, so any KMB bus serves it, whatever its log.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a topic of a running bus into a snapshot directory (manifest.json + messages.jsonl.zst).")
final class ExportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the bus (default ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--topic", required = true, description = "the topic to export")
    String topic;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "snapshot directory to create (must not exist)")
    Path out;

    @Option(names = "--page", defaultValue = "1000", description = "messages per replay request, 1..1000 (default ${DEFAULT-VALUE})")
    int page;

    @Override
    public Integer call() throws IOException {
        if (page < 1 || page > 1000) {
            throw new IllegalArgumentException("--page must be in 1..1000, was " + page);
        }
        TopicName name = TopicName.of(topic);
        BusHttp bus = new BusHttp(url, Duration.ofSeconds(60));
        JsonNode info = BusHttp.JSON.readTree(bus.get("/v1/topics/" + name));
        Instant capturedAt = Instant.now();
        TopicSpec config = SnapshotManifest.readConfig(info);
        JsonNode offsets = info.get("partition_offsets");
        long total = 0;
        for (JsonNode p : offsets) {
            total += p.get("end_offset").asLong() - p.get("start_offset").asLong();
        }
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = Progress.on(err, "export " + name, total);
        SnapshotManifest manifest;
        try (SnapshotWriter writer = SnapshotWriter.create(out, name, config)) {
            for (int p = 0; p < config.partitions(); p++) {
                JsonNode range = offsets.get(p);
                copy(bus, name, writer, p, range.get("start_offset").asLong(), range.get("end_offset").asLong(), progress);
            }
            manifest = writer.finish(capturedAt);
        }
        progress.finish();
        spec.commandLine().getOut().printf("exported %,d messages of %s (%d partitions) to %s in %.1f s; %s %,d bytes, sha256 %s%n",
                manifest.messageCount(), name, config.partitions(), out, progress.seconds(), SnapshotFormat.DATA_FILE,
                manifest.dataBytes(), manifest.dataSha256());
        return ExitCodes.OK;
    }

    /** Replays one partition from {@code start} up to (not including) {@code end} into the writer. */
    private void copy(BusHttp bus, TopicName name, SnapshotWriter writer, int partition, long start, long end, Progress progress)
            throws IOException {
        writer.beginPartition(partition, start, end);
        long from = start;
        while (from < end) {
            byte[] answer = bus.get("/v1/topics/" + name + "/messages?partition=" + partition + "&from_offset=" + from
                    + "&limit=" + page);
            long next = from;
            for (ReplayPages.Message m : ReplayPages.messages(answer)) {
                if (m.offset() >= end) {
                    return;
                }
                writer.append(m.offset(), m.timestampMillis(), m.json());
                next = m.offset() + 1;
                progress.advance(1);
            }
            if (next == from) {
                return; // nothing more below the captured end (retention, or offsets that hold no message)
            }
            from = next;
        }
    }
}
