package dev.kmb.core;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Writes envelopes in the wire shape of DESIGN.md, members in a fixed order, absent ones left out (no {@code null}s):
 *
 * <pre>
 * {"id","timestamp"?,"topic","type","key"?,"transaction_id"?,"payload","metadata"?,
 *  "partition","offset","delivery_attempt","subscription"?}   (last four on deliveries only)
 * </pre>
 *
 * Metadata members appear only when set; {@code final} only when true and {@code priority} only when not
 * {@code normal}, their defaults. The payload bytes are copied verbatim. Stateless and thread-safe.
 */
final class EnvelopeWriter {

    private EnvelopeWriter() {}

    static void write(JsonGenerator g, Envelope e) throws IOException {
        g.writeStartObject();
        writeMembers(g, e);
        g.writeEndObject();
    }

    static void write(JsonGenerator g, DeliveredEnvelope d) throws IOException {
        g.writeStartObject();
        writeMembers(g, d.envelope());
        g.writeNumberField("partition", d.partition());
        g.writeNumberField("offset", d.offset());
        g.writeNumberField("delivery_attempt", d.deliveryAttempt());
        writeString(g, "subscription", d.subscription());
        g.writeEndObject();
    }

    private static void writeMembers(JsonGenerator g, Envelope e) throws IOException {
        g.writeStringField("id", e.id().toString());
        writeInstant(g, "timestamp", e.timestamp());
        g.writeStringField("topic", e.topic().value());
        g.writeStringField("type", e.type().wireName());
        writeString(g, "key", e.key());
        writeString(g, "transaction_id", e.transactionId());
        g.writeFieldName("payload");
        g.writeRawValue(new Utf8RawValue(e.payload()));
        if (!e.metadata().isEmpty()) {
            g.writeFieldName("metadata");
            writeMetadata(g, e.metadata());
        }
    }

    private static void writeMetadata(JsonGenerator g, Metadata m) throws IOException {
        g.writeStartObject();
        writeString(g, "trace_id", m.traceId());
        writeString(g, "correlation_id", m.correlationId());
        writeString(g, "reply_to", m.replyTo());
        writeString(g, "conversation_id", m.conversationId());
        writeString(g, "stream_id", m.streamId());
        if (m.chunkSeq().isPresent()) {
            g.writeNumberField("chunk_seq", m.chunkSeq().getAsLong());
        }
        if (m.isFinal()) {
            g.writeBooleanField("final", true);
        }
        if (m.status().isPresent()) {
            g.writeStringField("status", m.status().get().wireName());
        }
        if (m.priority() != Priority.NORMAL) {
            g.writeStringField("priority", m.priority().wireName());
        }
        writeSeconds(g, "ttl", m.ttl());
        writeInstant(g, "deliver_at", m.deliverAt());
        writeSeconds(g, "delay", m.delay());
        if (!m.headers().isEmpty()) {
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> header : m.headers().entrySet()) {
                g.writeStringField(header.getKey(), header.getValue());
            }
            g.writeEndObject();
        }
        if (m.auth().isPresent() && !m.auth().get().isEmpty()) {
            Auth a = m.auth().get();
            g.writeObjectFieldStart("auth");
            writeString(g, "issuer", a.issuer());
            writeString(g, "client_id", a.clientId());
            writeString(g, "signature", a.signature());
            writeInstant(g, "timestamp", a.timestamp());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void writeString(JsonGenerator g, String name, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            g.writeStringField(name, value.get());
        }
    }

    private static void writeInstant(JsonGenerator g, String name, Optional<Instant> value) throws IOException {
        if (value.isPresent()) {
            g.writeStringField(name, Rfc3339.format(value.get()));
        }
    }

    private static void writeSeconds(JsonGenerator g, String name, Optional<Duration> value) throws IOException {
        if (value.isPresent()) {
            g.writeNumberField(name, value.get().getSeconds());
        }
    }
}
