package dev.kmb.log;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code topic.json}: a topic's spec on disk, written atomically. JSON so an operator can read it.
 *
 * <pre>
 * {"version":1,"name":"orders.created","partitions":3,"durability":"persistent",
 *  "compression":"zstd","retention":{"max_age_ms":-1,"max_messages":-1,"max_bytes":-1}}
 * </pre>
 */
final class TopicMetadataFile {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final int VERSION = 1;

    record RetentionJson(@JsonProperty("max_age_ms") long maxAgeMs, @JsonProperty("max_messages") long maxMessages,
                         @JsonProperty("max_bytes") long maxBytes) {
    }

    record TopicJson(@JsonProperty("version") int version, @JsonProperty("name") String name,
                     @JsonProperty("partitions") int partitions, @JsonProperty("durability") String durability,
                     @JsonProperty("compression") String compression, @JsonProperty("retention") RetentionJson retention) {
    }

    private TopicMetadataFile() {
    }

    static void write(Path topicDir, String name, TopicSpec spec) throws IOException {
        Retention r = spec.retention();
        TopicJson json = new TopicJson(VERSION, name, spec.partitions(), spec.durability().wireName(),
                spec.compression().wireName(), new RetentionJson(r.maxAgeMillis(), r.maxMessages(), r.maxBytes()));
        LogFiles.writeAtomically(topicDir.resolve(LogFiles.TOPIC_FILE), JSON.writeValueAsBytes(json));
    }

    static TopicSpec read(Path topicDir) throws IOException {
        TopicJson json = JSON.readValue(topicDir.resolve(LogFiles.TOPIC_FILE).toFile(), TopicJson.class);
        if (json.version() != VERSION) {
            throw new IOException("topic.json version " + json.version() + " is not supported (expected " + VERSION + ")");
        }
        RetentionJson r = json.retention();
        return new TopicSpec(json.partitions(), Durability.fromWireName(json.durability()),
                r == null ? Retention.FOREVER : new Retention(r.maxAgeMs(), r.maxMessages(), r.maxBytes()),
                Compression.fromWireName(json.compression()));
    }
}
