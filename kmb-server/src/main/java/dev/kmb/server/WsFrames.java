package dev.kmb.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.AckResult;
import dev.kmb.broker.Delivery;
import dev.kmb.broker.Receipt;
import dev.kmb.core.Problem;
import dev.kmb.core.Rfc3339;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Writes the server's {@code /v1/ws} frames ({@code ok}, {@code error}, {@code message(s)}, {@code closed}); the
 * format is drawn in {@link WsProtocol} and documented in {@code docs/protocol.md}. Delivered envelopes are copied
 * in as stored. Frames are UTF-8 bytes, sent as text or binary messages as the connection asked. Stateless and
 * thread-safe.
 */
final class WsFrames {

    private final JsonFactory factory;
    private final ObjectMapper json;

    WsFrames(ObjectMapper json) {
        this.json = json;
        this.factory = json.getFactory();
    }

    /**
     * Deliveries of one subscription: {@code message} for one, {@code messages} for several. The stored envelopes are
     * copied in byte for byte, so a frame costs one allocation and no character conversion.
     */
    static byte[] deliveries(String subscription, List<Delivery> batch) {
        Delivery last = batch.get(batch.size() - 1);
        byte[] head = ("{\"op\":\"" + (batch.size() == 1 ? "message" : "messages") + "\",\"subscription\":\""
                + subscription + "\",\"cursor\":\"" + last.cursor() + (batch.size() == 1 ? "\",\"message\":" : "\",\"messages\":["))
                .getBytes(StandardCharsets.UTF_8);
        int size = head.length + (batch.size() == 1 ? 1 : 2);
        for (Delivery d : batch) {
            size += d.json().length + 1;
        }
        byte[] frame = new byte[size - 1];
        System.arraycopy(head, 0, frame, 0, head.length);
        int at = head.length;
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                frame[at++] = ',';
            }
            byte[] json = batch.get(i).json();
            System.arraycopy(json, 0, frame, at, json.length);
            at += json.length;
        }
        if (batch.size() > 1) {
            frame[at++] = ']';
        }
        frame[at] = '}';
        return frame;
    }

    /** {@code ok} for a publish: the receipt's fields, or {@code receipts} for a batch. */
    byte[] published(String ref, List<Receipt> receipts, boolean batch) {
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
    byte[] subscribed(String ref, String subscription) {
        return write(g -> {
            startOk(g, ref);
            g.writeStringField("subscription", subscription);
        });
    }

    /** {@code ok} for ack ({@code acked}) or nack ({@code nacked}), with the ids that were not in flight. */
    byte[] settled(String ref, String countField, AckResult result) {
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
    byte[] pong(String ref, Instant now) {
        return write(g -> {
            startOk(g, ref);
            g.writeStringField("time", Rfc3339.format(now));
        });
    }

    /** {@code error}: the reply to a frame that failed; {@code ref} is null when the frame had none. */
    byte[] error(Optional<String> ref, Problem problem) {
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
    byte[] closed(String subscription, Problem problem) {
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
        g.writeStringField("timestamp", Rfc3339.format(r.timestamp()));
        if (r.duplicate()) {
            g.writeBooleanField("duplicate", true);
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private byte[] write(Body body) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
