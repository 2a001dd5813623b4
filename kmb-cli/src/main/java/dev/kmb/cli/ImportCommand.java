package dev.kmb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kmb.broker.SnapshotManifest;
import dev.kmb.broker.SnapshotMessage;
import dev.kmb.broker.SnapshotReader;
import dev.kmb.client.KmbClient;
import dev.kmb.client.KmbException;
import dev.kmb.client.Receipt;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.EnvelopeLimits;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kmb import}: publishes the messages of a snapshot directory (from {@code kmb export} or a bus's own
 * snapshot) to a running bus over its HTTP API, into the snapshot's topic or {@code --topic}, creating the topic from
 * the snapshot's config when it does not exist.
 *
 * <p>The whole snapshot is verified first (checksum, every line), so a damaged one publishes nothing (exit 1). Then
 * messages go out in file order, in batches, each batch waiting for its receipts: id, key, type, payload and
 * metadata (headers included) are kept, and so is the order per key. It is a publish: the bus stamps each message
 * with the import time, places it by key (keyless ones round-robin), runs its publish checks, and skips ids it has
 * seen within its dedup window (reported as duplicates) — a server-side restore keeps timestamps and partitions.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Publish a snapshot directory (from kmb export or a bus snapshot) to a running bus.")
final class ImportCommand implements Callable<Integer> {

    /** Largest request body an import sends, about (a batch is split further when the bus refuses it as too large). */
    static final long MAX_BATCH_BYTES = 4L << 20;
    /** Attempts of one batch the bus answers back-pressured or unavailable. */
    static final int MAX_ATTEMPTS = 8;
    /** Messages as large as this are read from the snapshot; the bus decides what it accepts. */
    private static final EnvelopeCodec CODEC = new EnvelopeCodec(EnvelopeLimits.DEFAULT.withMaxEnvelopeBytes(64 << 20));

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the bus (default ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--in", required = true, paramLabel = "DIR", description = "snapshot directory to import")
    Path in;

    @Option(names = "--topic", description = "target topic (default: the snapshot's own)")
    String topic;

    @Option(names = "--batch", defaultValue = "500", description = "messages per publish request, 1..1000 (default ${DEFAULT-VALUE})")
    int batch;

    @Override
    public Integer call() throws IOException {
        if (batch < 1 || batch > EnvelopeLimits.DEFAULT_MAX_BATCH_MESSAGES) {
            throw new IllegalArgumentException("--batch must be in 1..1000, was " + batch);
        }
        Optional<TopicName> into = Optional.ofNullable(topic).map(TopicName::of);
        BusHttp bus = new BusHttp(url, Duration.ofSeconds(60));
        PrintWriter err = spec.commandLine().getErr();
        SnapshotReader reader;
        try {
            reader = SnapshotReader.open(in, CODEC);
            Progress verifying = Progress.on(err, "verify " + in.getFileName(), reader.manifest().messageCount());
            reader.scan(m -> verifying.advance(1));
            verifying.finish();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no snapshot at " + in + ": " + e.getFile() + " does not exist");
        } catch (ProblemException e) {
            err.println("kmb import: " + in + " is damaged, nothing imported: " + e.problem().detail());
            return ExitCodes.DAMAGED;
        }
        SnapshotManifest m = reader.manifest();
        TopicName target = into.orElse(m.topic());
        boolean created = ensureTopic(bus, target, m, err);
        Progress progress = Progress.on(err, "import " + target, m.messageCount());
        Batches batches;
        try (KmbClient client = KmbClient.builder(url).requestTimeout(Duration.ofSeconds(60)).build()) {
            batches = new Batches(client, target, progress);
            reader.scan(batches::add);
            batches.flush();
        } catch (KmbException e) {
            throw new IllegalStateException("import stopped after " + progress.done() + " of " + m.messageCount()
                    + " messages: " + e.getMessage(), e);
        }
        progress.finish();
        spec.commandLine().getOut().printf("imported %,d messages of %s into %s (%s) in %.1f s%s%n", progress.done(), in, target,
                created ? "created" : "existing topic", progress.seconds(),
                batches.duplicates == 0 ? "" : String.format("; %,d were duplicates the bus skipped", batches.duplicates));
        return ExitCodes.OK;
    }

    /** Creates the target from the snapshot's config when it does not exist; true when it did so. */
    private static boolean ensureTopic(BusHttp bus, TopicName target, SnapshotManifest m, PrintWriter err) {
        Optional<JsonNode> existing = bus.getJsonIfFound("/v1/topics/" + target);
        if (existing.isPresent()) {
            int partitions = existing.get().path("partitions").asInt();
            if (partitions != m.partitions().size()) {
                err.printf("note: %s has %d partitions, the snapshot %d: messages are placed by key, per-key order is kept%n",
                        target, partitions, m.partitions().size());
            }
            return false;
        }
        ObjectNode body = SnapshotManifest.configJson(m.config());
        body.put("name", target.value());
        try {
            bus.post("/v1/topics", body);
            return true;
        } catch (KmbException e) {
            if (e.code() == ProblemCode.TOPIC_EXISTS) {
                return false; // created meanwhile
            }
            throw e;
        }
    }

    /** Envelopes on their way to the bus, one publish request per batch, in order. Not thread-safe. */
    private final class Batches {
        private final KmbClient client;
        private final TopicName target;
        private final Progress progress;
        private List<Envelope> pending = new ArrayList<>();
        private long bytes;
        long duplicates;

        Batches(KmbClient client, TopicName target, Progress progress) {
            this.client = client;
            this.target = target;
            this.progress = progress;
        }

        void add(SnapshotMessage m) {
            Envelope e = m.envelope();
            pending.add(new Envelope(e.id(), e.timestamp(), target, e.type(), e.key(), e.payload(), e.metadata(), Optional.empty()));
            bytes += e.payload().length() + 512L; // the payload plus room for the rest of the envelope
            if (pending.size() >= batch || bytes >= MAX_BATCH_BYTES) {
                flush();
            }
        }

        void flush() {
            if (!pending.isEmpty()) {
                send(pending);
            }
            pending = new ArrayList<>();
            bytes = 0;
        }

        /** Publishes a batch, waiting out back-pressure and halving a batch the bus finds too large. */
        private void send(List<Envelope> envelopes) {
            for (int attempt = 1; ; attempt++) {
                try {
                    List<Receipt> receipts = client.publishBatch(envelopes);
                    duplicates += receipts.stream().filter(Receipt::duplicate).count();
                    progress.advance(receipts.size());
                    return;
                } catch (KmbException e) {
                    int status = e.problem().status();
                    if (status == 413 && envelopes.size() > 1) {
                        send(envelopes.subList(0, envelopes.size() / 2));
                        send(envelopes.subList(envelopes.size() / 2, envelopes.size()));
                        return;
                    }
                    if ((status == 429 || status == 503) && attempt < MAX_ATTEMPTS) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250L << Math.min(attempt, 4)));
                        continue;
                    }
                    throw e;
                }
            }
        }
    }
}
