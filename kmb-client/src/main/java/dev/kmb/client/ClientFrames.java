package dev.kmb.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.Rfc3339;
import dev.kmb.core.TopicName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Encodes the client's {@code /v1/ws} frames and decodes the server's (see {@code docs/protocol.md}). Refs are the
 * integers this client counts up. Frames are UTF-8 bytes; envelopes are copied into and out of them as their exact
 * JSON. Stateless and thread-safe.
 */
final class ClientFrames {

    private final EnvelopeCodec codec;
    private final ObjectMapper json;
    private final JsonFactory factory;

    ClientFrames(EnvelopeCodec codec, ObjectMapper json) {
        this.codec = codec;
        this.json = json;
        this.factory = json.getFactory();
    }

    /** The JSON factory frames are read with. */
    JsonFactory factory() {
        return factory;
    }

    // ================================================================ client → server

    byte[] publish(long ref, Envelope envelope) {
        return publishFrame(ref, List.of(envelope), false);
    }

    byte[] publishBatch(long ref, List<Envelope> envelopes) {
        return publishFrame(ref, envelopes, true);
    }

    private byte[] publishFrame(long ref, List<Envelope> envelopes, boolean batch) {
        ByteArrayBuilder b = new ByteArrayBuilder(64 + envelopes.size() * 320);
        ascii(b, "{\"op\":\"publish\",\"ref\":" + ref + (batch ? ",\"messages\":[" : ",\"message\":"));
        for (int i = 0; i < envelopes.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.write(codec.encode(envelopes.get(i)));
        }
        ascii(b, batch ? "]}" : "}");
        return b.toByteArray();
    }

    private static void ascii(ByteArrayBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            b.append(s.charAt(i));
        }
    }

    byte[] subscribeDurable(long ref, String subscription) {
        return utf8("{\"op\":\"subscribe\",\"ref\":" + ref + ",\"subscription\":" + quote(subscription) + "}");
    }

    byte[] subscribeEphemeral(long ref, String pattern, String start, Optional<String> resume) {
        return utf8("{\"op\":\"subscribe\",\"ref\":" + ref + ",\"pattern\":" + quote(pattern) + ",\"start\":" + quote(start)
                + resume.map(c -> ",\"cursor\":" + quote(c)).orElse("") + "}");
    }

    byte[] unsubscribe(long ref, String subscription) {
        return utf8("{\"op\":\"unsubscribe\",\"ref\":" + ref + ",\"subscription\":" + quote(subscription) + "}");
    }

    byte[] ack(long ref, String subscription, Collection<UUID> ids) {
        return utf8(settle("ack", ref, subscription, ids).append('}'));
    }

    byte[] nack(long ref, String subscription, Collection<UUID> ids, Optional<Duration> delay) {
        return nack(ref, subscription, ids, delay, Optional.empty());
    }

    byte[] nack(long ref, String subscription, Collection<UUID> ids, Optional<Duration> delay, Optional<String> reason) {
        StringBuilder b = settle("nack", ref, subscription, ids);
        delay.ifPresent(d -> b.append(",\"delay\":").append(d.toMillis() / 1000.0));
        reason.ifPresent(r -> b.append(",\"reason\":").append(quote(r)));
        return utf8(b.append('}'));
    }

    byte[] term(long ref, String subscription, Collection<UUID> ids, Optional<String> reason) {
        StringBuilder b = settle("term", ref, subscription, ids);
        reason.ifPresent(r -> b.append(",\"reason\":").append(quote(r)));
        return utf8(b.append('}'));
    }

    byte[] ping(long ref) {
        return utf8("{\"op\":\"ping\",\"ref\":" + ref + "}");
    }

    private StringBuilder settle(String op, long ref, String subscription, Collection<UUID> ids) {
        StringBuilder b = new StringBuilder(64 + ids.size() * 39).append("{\"op\":\"").append(op).append("\",\"ref\":")
                .append(ref).append(",\"subscription\":").append(quote(subscription)).append(",\"ids\":[");
        boolean first = true;
        for (UUID id : ids) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append('"').append(id).append('"');
        }
        return b.append(']');
    }

    private static byte[] utf8(CharSequence text) {
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private String quote(String s) {
        try {
            return json.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    // ================================================================ server → client

    /**
     * Decodes one server frame.
     *
     * @throws KmbException {@code malformed_json} when the text is not a frame this client understands
     */
    ServerFrame decode(String text) {
        return decode(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Decodes one server frame given as UTF-8 bytes.
     *
     * @throws KmbException {@code malformed_json} when the bytes are not a frame this client understands
     */
    ServerFrame decode(byte[] text) {
        try (JsonParser p = factory.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("a frame is one JSON object");
            }
            String op = null;
            String ref = null;
            String subscription = null;
            String cursor = "";
            List<byte[]> messages = new ArrayList<>();
            Problem problem = null;
            Receipt single = null;
            List<Receipt> receipts = List.of();
            int settled = 0;
            List<UUID> unknown = List.of();
            Instant time = null;
            ReceiptReader receipt = new ReceiptReader();
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                switch (name) {
                    case "op": op = p.getText(); break;
                    case "ref": ref = t == JsonToken.VALUE_NULL ? null
                            : t == JsonToken.VALUE_STRING ? json.writeValueAsString(p.getText()) : p.getText(); break;
                    case "subscription": subscription = p.getText(); break;
                    case "cursor": cursor = p.getText(); break;
                    case "message": messages.add(slice(p, text)); break;
                    case "messages":
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            messages.add(slice(p, text));
                        }
                        break;
                    case "problem": problem = json.readValue(p, Problem.class); break;
                    case "receipts":
                        receipts = new ArrayList<>();
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            ReceiptReader r = new ReceiptReader();
                            for (String f = p.nextFieldName(); f != null; f = p.nextFieldName()) {
                                p.nextToken();
                                r.read(f, p);
                            }
                            receipts.add(r.build());
                        }
                        break;
                    case "acked": case "nacked": case "termed": settled = p.getIntValue(); break;
                    case "unknown":
                        unknown = new ArrayList<>();
                        while (p.nextToken() == JsonToken.VALUE_STRING) {
                            unknown.add(UUID.fromString(p.getText()));
                        }
                        break;
                    case "time": time = instant(p.getText()); break;
                    default:
                        if (!receipt.read(name, p)) {
                            p.skipChildren(); // a newer server may add fields
                        }
                }
            }
            if (op == null) {
                throw bad("frame without op");
            }
            switch (op) {
                case "ok":
                    if (receipt.complete()) {
                        single = receipt.build();
                    }
                    return new ServerFrame.Ok(require(ref, "ref"), Optional.ofNullable(single), receipts,
                            Optional.ofNullable(subscription), settled, unknown, Optional.ofNullable(time));
                case "error":
                    return new ServerFrame.Error(Optional.ofNullable(ref), require(problem, "problem"));
                case "message": case "messages":
                    return new ServerFrame.Deliveries(require(subscription, "subscription"), cursor, messages);
                case "closed":
                    return new ServerFrame.Closed(require(subscription, "subscription"), require(problem, "problem"));
                default:
                    throw bad("unknown op '" + op + "'");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof KmbException) {
                throw (KmbException) e;
            }
            throw new KmbException(Problem.of(ProblemCode.MALFORMED_JSON, "unreadable frame from the server: " + e), e);
        }
    }

    private static byte[] slice(JsonParser p, byte[] text) throws IOException {
        int from = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        int to = (int) p.currentTokenLocation().getByteOffset() + 1;
        return Arrays.copyOfRange(text, from, to);
    }

    private static Instant instant(String text) {
        return Rfc3339.tryParse(text).orElseThrow(() -> bad("not an RFC 3339 timestamp: " + text));
    }

    private static <T> T require(T value, String field) {
        if (value == null) {
            throw bad("frame without " + field);
        }
        return value;
    }

    private static KmbException bad(String detail) {
        return new KmbException(Problem.of(ProblemCode.MALFORMED_JSON, "unreadable frame from the server: " + detail));
    }

    /** The fields of a receipt, wherever they appear. Not thread-safe. */
    static final class ReceiptReader {
        private String id;
        private String topic;
        private int partition = -1;
        private long offset = -1;
        private String timestamp;
        private boolean duplicate;

        /** Reads the field when it is a receipt's; false otherwise. */
        boolean read(String name, JsonParser p) throws IOException {
            switch (name) {
                case "id": id = p.getText(); return true;
                case "topic": topic = p.getText(); return true;
                case "partition": partition = p.getIntValue(); return true;
                case "offset": offset = p.getLongValue(); return true;
                case "timestamp": timestamp = p.getText(); return true;
                case "duplicate": duplicate = p.getBooleanValue(); return true;
                default: return false;
            }
        }

        boolean complete() {
            return id != null && topic != null && partition >= 0 && offset >= 0;
        }

        Receipt build() {
            if (!complete()) {
                throw bad("incomplete receipt");
            }
            return new Receipt(UUID.fromString(id), TopicName.of(topic), partition, offset,
                    timestamp == null ? Instant.EPOCH : instant(timestamp), duplicate);
        }
    }
}
