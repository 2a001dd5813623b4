package dev.kmb.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import dev.kmb.core.TopicName;
import dev.kmb.log.LogInspector;
import dev.kmb.log.VerifyReport;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogEntry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kmb log verify|dump}: offline tools for an embedded log directory (the bus must be stopped). */
@Command(name = "log", description = "Offline tools for the embedded log (stop the bus first).",
        subcommands = {LogCommand.Verify.class, LogCommand.Dump.class}, mixinStandardHelpOptions = true)
final class LogCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Accepts the bus data directory or the log directory inside it: {@code ./data} and {@code ./data/log}
     * both work.
     */
    static Path logDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no such directory: " + dir);
        }
        Path inner = dir.resolve("log");
        return Files.isDirectory(inner) ? inner : dir;
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check every batch CRC, offset sequence and index entry; exit 1 on damage.")
    static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "data directory or its log/ directory")
        Path dir;

        @Override
        public Integer call() {
            VerifyReport report = LogInspector.verify(logDirectory(dir));
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-40s %9s %8s %10s %12s %14s  %s%n", "topic", "partition", "segments", "batches", "records", "bytes", "offsets");
            long records = 0;
            for (VerifyReport.PartitionSummary p : report.partitions()) {
                out.printf("%-40s %9d %8d %10d %12d %14d  %d..%d%n", p.topic(), p.partition(), p.segments(), p.batches(),
                        p.records(), p.bytes(), p.startOffset(), p.endOffset());
                records += p.records();
            }
            for (VerifyReport.Finding f : report.notes()) {
                out.println("note: " + f);
            }
            for (VerifyReport.Finding f : report.damage()) {
                out.println("DAMAGE: " + f);
            }
            if (report.clean()) {
                out.printf("verify: OK, %d partition(s), %d record(s) in %s%n", report.partitions().size(), records, report.directory());
                return ExitCodes.OK;
            }
            out.printf("verify: DAMAGED, %d problem(s) in %s; opening the log will cut each damaged partition at its last valid batch%n",
                    report.damage().size(), report.directory());
            return ExitCodes.DAMAGED;
        }
    }

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = "Print the records of one partition as JSON lines.")
    static final class Dump implements Callable<Integer> {
        private static final JsonFactory JSON = new JsonFactory();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "data directory or its log/ directory")
        Path dir;

        @Option(names = "--topic", required = true, description = "topic name")
        String topic;

        @Option(names = "--partition", defaultValue = "0", description = "partition (default: ${DEFAULT-VALUE})")
        int partition;

        @Option(names = "--from", defaultValue = "0", description = "first offset (default: ${DEFAULT-VALUE})")
        long from;

        @Option(names = "--limit", defaultValue = "9223372036854775807", description = "at most this many records")
        long limit;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            VerifyReport.Finding stop = LogInspector.dump(logDirectory(dir), TopicName.of(topic), partition, from, limit,
                    e -> out.println(toJson(e)));
            out.flush();
            if (stop != null) {
                spec.commandLine().getErr().println("kmb: dump stopped at damage: " + stop);
                return ExitCodes.DAMAGED;
            }
            return ExitCodes.OK;
        }

        /** One record as a JSON line; a value that is JSON is embedded as JSON, anything else as a string. */
        static String toJson(LogEntry e) {
            StringWriter w = new StringWriter();
            try (JsonGenerator g = JSON.createGenerator(w)) {
                g.writeStartObject();
                g.writeNumberField("offset", e.offset());
                g.writeStringField("timestamp", Instant.ofEpochMilli(e.timestamp()).toString());
                if (e.key().isPresent()) {
                    g.writeStringField("key", new String(e.key().get(), StandardCharsets.UTF_8));
                } else {
                    g.writeNullField("key");
                }
                g.writeObjectFieldStart("headers");
                for (Header h : e.headers()) {
                    g.writeStringField(h.name(), new String(h.value(), StandardCharsets.UTF_8));
                }
                g.writeEndObject();
                g.writeFieldName("value");
                if (isJson(e.value())) {
                    g.writeRawValue(new String(e.value(), StandardCharsets.UTF_8));
                } else {
                    g.writeString(new String(e.value(), StandardCharsets.UTF_8));
                }
                g.writeEndObject();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return w.toString();
        }

        private static boolean isJson(byte[] value) {
            if (value.length == 0) {
                return false;
            }
            try (JsonParser p = JSON.createParser(value)) {
                if (p.nextToken() == null) {
                    return false;
                }
                p.skipChildren();
                return p.nextToken() == null;
            } catch (IOException e) {
                return false;
            }
        }

    }
}
