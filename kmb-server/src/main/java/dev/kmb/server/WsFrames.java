package dev.kmb.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.AckResult;
import dev.kmb.broker.Delivery;
import dev.kmb.broker.Receipt;
import dev.kmb.core.Problem;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Writes the server's {@code /v1/ws} frames ({@code ok}, {@code error}, {@code message(s)}, {@code closed}); the
 * format is drawn in {@link WsProtocol} and documented in {@code docs/protocol.md}. Delivered envelopes are copied
 * in as stored. Stateless and thread-safe.
 */
final class WsFrames {

    private final JsonFactory factory;
    private final ObjectMapper json;

    WsFrames(ObjectMapper json) {
        this.json = json;
        this.factory = json.getFactory();
    }

    /** Deliveries of one subscription: {@code message} for one, {@code messages} for several. */
    static String deliveries(String subscription, List<Delivery> batch) {
        int bytes = 0;
        for (Delivery d : batch) {
            bytes += d.json().length + 1;
        }
        StringBuilder b = new StringBuilder(bytes + 96 + subscription.length());
        Delivery last = batch.get(batch.size() - 1);
        b.append("{\"op\":\"").append(batch.size() == 1 ? "message" : "messages").append("\",\"subscription\":\"")
                .append(subscription).append("\",\"cursor\":\"").append(last.cursor()).append('"');
        if (batch.size() == 1) {
            b.append(",\"message\":").append(new String(last.json(), StandardCharsets.UTF_8));
        } else {
            b.append(",\"messages\":[");
            for (int i = 0; i < batch.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                b.append(new String(batch.get(i).json(), StandardCharsets.UTF_8));
            }
            b.append(']');
        }
        return b.append('}').toString();
    }

    /** {@code ok} for a publish: the receipt's fields, or {@code receipts} for a batch. */
    String published(String ref, List<Receipt> receipts, boolean batch) {
        return write(g -> {
            startOk(g, ref);
            if (batch) {
                g.writeArrayFieldStart("receipts");
                for (Receipt r : receipts) {
                    g.writeStartObject();
                    receiptFields(g, r);
                    g.writeEndObject();
                }
                g.writeEndArray();
            } else {
                receiptFields(g, receipts.get(0));
            }
        });
    }

    /** {@code ok} for subscribe and unsubscribe: the subscription's name. */
    String subscribed(String ref, String subscription) {
        return write(g -> {
            startOk(g, ref);
            g.writeStringField("subscription", subscription);
        });
    }

    /** {@code ok} for ack ({@code acked}) or nack ({@code nacked}), with the ids that were not in flight. */
    String settled(String ref, String countField, AckResult result) {
        return write(g -> {
            startOk(g, ref);
            g.writeNumberField(countField, result.settled());
            g.writeArrayFieldStart("unknown");
            for (UUID id : result.unknown()) {
                g.writeString(id.toString());
            }
            g.writeEndArray();
        });
    }

    /** {@code ok} for ping, with the server's time. */
    String pong(String ref, Instant now) {
        return write(g -> {
            startOk(g, ref);
            g.writeStringField("time", DateTimeFormatter.ISO_INSTANT.format(now));
        });
    }

    /** {@code error}: the reply to a frame that failed; {@code ref} is null when the frame had none. */
    String error(Optional<String> ref, Problem problem) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("op", "error");
            g.writeFieldName("ref");
            if (ref.isPresent()) {
                g.writeRawValue(ref.get());
            } else {
                g.writeNull();
            }
            g.writeFieldName("problem");
            json.writeValue(g, problem);
        });
    }

    /** {@code closed}: the bus ended a subscription of this connection (deleted, or the server stops). */
    String closed(String subscription, Problem problem) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("op", "closed");
            g.writeStringField("subscription", subscription);
            g.writeFieldName("problem");
            json.writeValue(g, problem);
        });
    }

    private static void startOk(JsonGenerator g, String ref) throws IOException {
        g.writeStartObject();
        g.writeStringField("op", "ok");
        g.writeFieldName("ref");
        g.writeRawValue(ref);
    }

    private static void receiptFields(JsonGenerator g, Receipt r) throws IOException {
        g.writeStringField("id", r.id().toString());
        g.writeStringField("topic", r.topic().value());
        g.writeNumberField("partition", r.partition());
        g.writeNumberField("offset", r.offset());
        g.writeStringField("timestamp", DateTimeFormatter.ISO_INSTANT.format(r.timestamp()));
        if (r.duplicate()) {
            g.writeBooleanField("duplicate", true);
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private String write(Body body) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
