package dev.kmb.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.core.FieldError;
import dev.kmb.core.InvalidPatternException;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.TopicPattern;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code /v1/ws} wire format, described in full in {@code docs/protocol.md}: parses client frames into
 * {@link ClientFrame} records and writes server frames. Every frame is one UTF-8 JSON object in one text or binary
 * message (binary when the client connected with {@code ?frames=binary}: no character conversion on either side):
 *
 * <pre>
 * client → server   {"op":"publish|subscribe|unsubscribe|ack|nack|term|ping", "ref":&lt;string|int&gt;, …fields}
 * server → client   {"op":"ok","ref":…, …result}         {"op":"error","ref":…|null,"problem":{RFC 9457}}
 *                   {"op":"message","subscription":s,"cursor":c,"message":{delivered envelope}}
 *                   {"op":"messages","subscription":s,"cursor":c,"messages":[…]}
 *                   {"op":"closed","subscription":s,"problem":{…}}
 * </pre>
 *
 * Envelopes are sliced out of the frame text as they were sent (no re-encoding), so payload bytes survive exactly.
 * Parsing only; {@link WsFrames} writes the server side. Stateless and thread-safe.
 */
final class WsProtocol {

    /** Longest accepted {@code ref}, in characters of its JSON form. */
    static final int MAX_REF_LENGTH = 128;
    /** Longest {@code reason} a nack or term may give (it is kept in the attempt history). */
    static final int MAX_REASON = SubscriptionBodies.MAX_REASON;

    private final JsonFactory factory;
    private final ObjectMapper json;

    WsProtocol(ObjectMapper json) {
        this.json = json;
        this.factory = json.getFactory();
    }

    // ================================================================ parsing

    /** The fields any op may carry, gathered in one pass whatever their order. */
    private static final class Fields {
        String op;
        String ref;
        List<byte[]> envelopes;
        boolean batch;
        String subscription;
        String pattern;
        String start;
        String resume;
        List<UUID> ids;
        Duration delay;
        String reason;
        final List<FieldError> errors = new ArrayList<>();
    }

    /**
     * Parses one client frame.
     *
     * @throws FrameException for malformed JSON, a missing {@code op} or {@code ref}, an unknown op, or bad fields
     */
    ClientFrame parse(String text) {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Parses one client frame given as UTF-8 bytes (a binary message, or a text message's bytes).
     *
     * @throws FrameException for malformed JSON, a missing {@code op} or {@code ref}, an unknown op, or bad fields
     */
    ClientFrame parse(byte[] text) {
        Fields f = new Fields();
        try (JsonParser p = factory.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new FrameException(Optional.empty(), Problem.of(ProblemCode.MALFORMED_JSON,
                        "a frame is one JSON object"));
            }
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                p.nextToken();
                readField(p, text, name, f);
            }
            if (p.nextToken() != null) {
                throw new FrameException(Optional.ofNullable(f.ref), Problem.of(ProblemCode.MALFORMED_JSON,
                        "trailing content after the frame's JSON object"));
            }
        } catch (JsonProcessingException e) {
            throw new FrameException(Optional.ofNullable(f.ref), Problem.of(ProblemCode.MALFORMED_JSON,
                    "frame is not valid JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return build(f);
    }

    private void readField(JsonParser p, byte[] text, String name, Fields f) throws IOException {
        JsonToken t = p.currentToken();
        switch (name) {
            case "op" -> f.op = string(p, f, name);
            case "ref" -> {
                if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
                    String raw = t == JsonToken.VALUE_STRING ? json.writeValueAsString(p.getText()) : p.getText();
                    if (raw.length() > MAX_REF_LENGTH) {
                        f.errors.add(new FieldError("/ref", "ref is longer than " + MAX_REF_LENGTH + " characters"));
                    } else {
                        f.ref = raw;
                    }
                } else {
                    f.errors.add(new FieldError("/ref", "ref must be a string or an integer"));
                    p.skipChildren();
                }
            }
            case "message" -> {
                f.batch = false;
                f.envelopes = new ArrayList<>(1);
                if (t == JsonToken.START_OBJECT) {
                    f.envelopes.add(slice(p, text));
                } else {
                    f.errors.add(new FieldError("/message", "message must be an envelope object"));
                    p.skipChildren();
                }
            }
            case "messages" -> {
                f.batch = true;
                f.envelopes = new ArrayList<>();
                if (t != JsonToken.START_ARRAY) {
                    f.errors.add(new FieldError("/messages", "messages must be an array of envelope objects"));
                    p.skipChildren();
                    return;
                }
                for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
                    if (p.currentToken() == JsonToken.START_OBJECT) {
                        f.envelopes.add(slice(p, text));
                    } else {
                        f.errors.add(new FieldError("/messages/" + i, "must be an envelope object"));
                        p.skipChildren();
                    }
                }
            }
            case "subscription" -> f.subscription = string(p, f, name);
            case "pattern" -> f.pattern = string(p, f, name);
            case "start" -> f.start = string(p, f, name);
            case "last_event_id", "cursor" -> f.resume = string(p, f, name);
            case "ids" -> f.ids = ids(p, f);
            case "reason" -> {
                f.reason = string(p, f, name);
                if (f.reason != null && f.reason.length() > MAX_REASON) {
                    f.errors.add(new FieldError("/reason", "reason is longer than " + MAX_REASON + " characters"));
                }
            }
            case "delay" -> {
                if (t.isNumeric() && p.getDoubleValue() >= 0 && p.getDoubleValue() <= 86_400 * 365) {
                    f.delay = Duration.ofNanos((long) (p.getDoubleValue() * 1e9));
                } else {
                    f.errors.add(new FieldError("/delay", "delay must be a number of seconds >= 0"));
                    p.skipChildren();
                }
            }
            default -> {
                f.errors.add(new FieldError("/" + name, "unknown field"));
                p.skipChildren();
            }
        }
    }

    /** The exact bytes of the object the parser stands on (its START_OBJECT). */
    private static byte[] slice(JsonParser p, byte[] text) throws IOException {
        int from = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        int to = (int) p.currentTokenLocation().getByteOffset() + 1;
        return Arrays.copyOfRange(text, from, to);
    }

    private static String string(JsonParser p, Fields f, String name) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        f.errors.add(new FieldError("/" + name, name + " must be a string"));
        p.skipChildren();
        return null;
    }

    private static List<UUID> ids(JsonParser p, Fields f) throws IOException {
        List<UUID> out = new ArrayList<>();
        if (p.currentToken() != JsonToken.START_ARRAY) {
            f.errors.add(new FieldError("/ids", "ids must be an array of message ids"));
            p.skipChildren();
            return out;
        }
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            try {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    throw new IllegalArgumentException();
                }
                out.add(UUID.fromString(p.getText()));
            } catch (IllegalArgumentException e) {
                f.errors.add(new FieldError("/ids/" + i, "must be a message id (UUID)"));
                p.skipChildren();
            }
        }
        return out;
    }

    private static ClientFrame build(Fields f) {
        Optional<String> ref = Optional.ofNullable(f.ref);
        if (f.ref == null && f.errors.stream().noneMatch(e -> e.pointer().equals("/ref"))) {
            f.errors.add(new FieldError("/ref", "every client frame needs a ref"));
        }
        if (f.op == null) {
            f.errors.add(new FieldError("/op", "every client frame needs an op"));
            throw invalid(ref, f, "frame without an op");
        }
        ClientFrame frame = switch (f.op) {
            case "publish" -> {
                if (f.envelopes == null) {
                    f.errors.add(new FieldError("/message", "publish needs message or messages"));
                } else if (f.envelopes.isEmpty() && f.errors.isEmpty()) {
                    f.errors.add(new FieldError("/messages", "publish needs at least one message"));
                }
                yield new ClientFrame.Publish(f.ref, f.envelopes == null ? List.of() : f.envelopes, f.batch);
            }
            case "subscribe" -> subscribe(f);
            case "unsubscribe" -> new ClientFrame.Unsubscribe(f.ref, required(f, f.subscription, "subscription"));
            case "ack" -> {
                required(f, f.subscription, "subscription");
                required(f, f.ids, "ids");
                yield f.errors.isEmpty() ? new ClientFrame.Ack(f.ref, f.subscription, f.ids) : null;
            }
            case "nack" -> {
                required(f, f.subscription, "subscription");
                required(f, f.ids, "ids");
                yield f.errors.isEmpty() ? new ClientFrame.Nack(f.ref, f.subscription, f.ids, Optional.ofNullable(f.delay),
                        Optional.ofNullable(f.reason)) : null;
            }
            case "term" -> {
                required(f, f.subscription, "subscription");
                required(f, f.ids, "ids");
                if (f.delay != null) {
                    f.errors.add(new FieldError("/delay", "delay applies to nack only"));
                }
                yield f.errors.isEmpty() ? new ClientFrame.Term(f.ref, f.subscription, f.ids, Optional.ofNullable(f.reason)) : null;
            }
            case "ping" -> new ClientFrame.Ping(f.ref);
            default -> {
                f.errors.add(new FieldError("/op", "unknown op '" + f.op
                        + "' (expected publish, subscribe, unsubscribe, ack, nack, term or ping)"));
                yield null;
            }
        };
        if (!f.errors.isEmpty()) {
            throw invalid(ref, f, "invalid '" + f.op + "' frame");
        }
        return frame;
    }

    private static ClientFrame subscribe(Fields f) {
        if ((f.subscription == null) == (f.pattern == null)) {
            f.errors.add(new FieldError("/subscription", "subscribe needs either subscription (durable) or pattern (ephemeral)"));
            return null;
        }
        Optional<TopicPattern> pattern = Optional.empty();
        StartPosition start = StartPosition.LATEST;
        if (f.pattern != null) {
            try {
                pattern = Optional.of(TopicPattern.of(f.pattern));
            } catch (InvalidPatternException e) {
                f.errors.add(new FieldError("/pattern", e.getMessage()));
            }
            if (f.start != null) {
                try {
                    start = StartPosition.parse(f.start);
                } catch (IllegalArgumentException e) {
                    f.errors.add(new FieldError("/start", e.getMessage()));
                }
            }
        } else if (f.start != null) {
            f.errors.add(new FieldError("/start", "a durable subscription starts where its ack state says; start is for patterns"));
        }
        return new ClientFrame.Subscribe(f.ref, Optional.ofNullable(f.subscription), pattern, start, Optional.ofNullable(f.resume));
    }

    private static <T> T required(Fields f, T value, String name) {
        if (value == null && f.errors.stream().noneMatch(e -> e.pointer().equals("/" + name))) {
            f.errors.add(new FieldError("/" + name, "'" + f.op + "' needs " + name));
        }
        return value;
    }

    private static FrameException invalid(Optional<String> ref, Fields f, String detail) {
        return new FrameException(ref, Problem.of(ProblemCode.BAD_REQUEST, detail, f.errors));
    }
}
