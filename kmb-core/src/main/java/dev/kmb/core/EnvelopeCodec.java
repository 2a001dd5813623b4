package dev.kmb.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Reads and writes {@link Envelope}s as UTF-8 JSON with Jackson's streaming API; the payload stays raw bytes.
 *
 * <p>Decoding validates and reports <em>every</em> invalid field at once as a {@link ProblemException} with
 * {@code validation_failed} (422) and one {@link FieldError} per field, pointer and bad value included. Other
 * outcomes: {@code malformed_json} (400) for broken JSON or non-UTF-8 input, {@code message_too_large} (413) when an
 * envelope exceeds {@link EnvelopeLimits#maxEnvelopeBytes()} (checked on decode, where untrusted bytes arrive;
 * {@code encode} never fails for size). Required: {@code topic}, {@code type}, {@code payload}; a missing {@code id}
 * is generated. <b>Unknown fields are rejected</b> by the publish-side decoders ({@link #decode},
 * {@link #decodeBatch}, {@link #decodePublish}), so a typo such as {@code "ttl"} at the top level never passes
 * silently; {@link #decodeDelivered}, which reads what a (possibly newer) server sends, ignores them.
 *
 * <p>Thread-safe and meant to be shared: it holds only immutable settings and a thread-safe {@link JsonFactory}.
 */
public final class EnvelopeCodec {

    private final JsonFactory factory = JsonFactories.pooled();
    private final EnvelopeLimits limits;
    private final Supplier<UUID> ids;

    /** A codec with {@link EnvelopeLimits#DEFAULT} and UUIDv7 ids on the system clock. */
    public EnvelopeCodec() {
        this(EnvelopeLimits.DEFAULT);
    }

    /** A codec with the given limits. */
    public EnvelopeCodec(EnvelopeLimits limits) {
        this(limits, UuidV7.system());
    }

    /** A codec with the given limits and id generator (tests inject a deterministic one). */
    public EnvelopeCodec(EnvelopeLimits limits, Supplier<UUID> ids) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    /** The limits this codec enforces. */
    public EnvelopeLimits limits() {
        return limits;
    }

    /** Decodes one envelope. @throws ProblemException as described on the class */
    public Envelope decode(byte[] json) {
        checkSize(json.length, "");
        return parse(json, (p, r) -> {
            EnvelopeReader reader = new EnvelopeReader(r, json, false, ids, factory);
            Envelope envelope = readEnvelope(p, r, reader, "");
            return finish(p, r, envelope, "envelope");
        });
    }

    /** Decodes a batch {@code {"messages":[...]}}, in order. @throws ProblemException pointers {@code /messages/i/…} */
    public List<Envelope> decodeBatch(byte[] json) {
        return parse(json, (p, r) -> {
            List<Envelope> messages = readBatch(p, r, json);
            return finish(p, r, messages, "batch");
        });
    }

    /** Decodes a publish body, one envelope or a {@code {"messages":[...]}} batch, as a list in request order. */
    public List<Envelope> decodePublish(byte[] json) {
        boolean batch = parse(json, (p, r) -> p.nextToken() == JsonToken.START_OBJECT
                && "messages".equals(p.nextFieldName()));
        return batch ? decodeBatch(json) : List.of(decode(json));
    }

    /** Decodes an envelope as delivered to a subscriber; unknown fields are ignored. */
    public DeliveredEnvelope decodeDelivered(byte[] json) {
        return parse(json, (p, r) -> {
            EnvelopeReader reader = new EnvelopeReader(r, json, true, ids, factory);
            Envelope envelope = readEnvelope(p, r, reader, "");
            requireDeliveryField(r, "partition", reader.partition, 0, Integer.MAX_VALUE);
            requireDeliveryField(r, "offset", reader.offset, 0, Long.MAX_VALUE);
            requireDeliveryField(r, "delivery_attempt", reader.deliveryAttempt, 1, Integer.MAX_VALUE);
            finish(p, r, envelope, "delivered envelope");
            return new DeliveredEnvelope(envelope, (int) reader.partition, reader.offset,
                    (int) reader.deliveryAttempt, Optional.ofNullable(reader.subscription));
        });
    }

    /** Encodes one envelope. */
    public byte[] encode(Envelope envelope) {
        return generate(g -> EnvelopeWriter.write(g, envelope));
    }

    /** Encodes a delivery: the envelope plus {@code partition}, {@code offset}, {@code delivery_attempt}, … */
    public byte[] encode(DeliveredEnvelope delivered) {
        return generate(g -> EnvelopeWriter.write(g, delivered));
    }

    /** Encodes {@code {"messages":[...]}}. */
    public byte[] encodeBatch(List<Envelope> envelopes) {
        return generate(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("messages");
            for (Envelope envelope : envelopes) {
                EnvelopeWriter.write(g, envelope);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** Writes one envelope into a larger document (a replay page, a dead letter) being generated. */
    public void write(JsonGenerator generator, Envelope envelope) throws IOException {
        EnvelopeWriter.write(generator, envelope);
    }

    /** Writes one delivery into a larger document being generated. */
    public void write(JsonGenerator generator, DeliveredEnvelope delivered) throws IOException {
        EnvelopeWriter.write(generator, delivered);
    }

    // The reader leaves -1 for absent or invalid (already reported) delivery fields.
    private static void requireDeliveryField(FieldReader r, String name, long value, long min, long max) {
        String pointer = "/" + name;
        if (value < 0) {
            if (r.errors().stream().noneMatch(e -> e.pointer().equals(pointer))) {
                r.error(pointer, "is required on a delivered envelope");
            }
        } else if (value < min || value > max) {
            r.error(pointer, "must be in " + min + ".." + max + ", was " + value);
        }
    }

    private Envelope readEnvelope(JsonParser p, FieldReader r, EnvelopeReader reader, String base)
            throws IOException {
        requireContent(p);
        if (!r.object(base)) {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                r.error(base, "must be an object, was null");
            }
            return null;
        }
        return reader.read(base);
    }

    private List<Envelope> readBatch(JsonParser p, FieldReader r, byte[] json) throws IOException {
        requireContent(p);
        if (p.currentToken() != JsonToken.START_OBJECT) {
            r.mismatch("", "an object {\"messages\":[...]}");
            return List.of();
        }
        List<Envelope> messages = new ArrayList<>();
        boolean sawMessages = false;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            p.nextToken();
            if (!name.equals("messages") || sawMessages) {
                r.error("/" + FieldError.escapePointerToken(name),
                        sawMessages && name.equals("messages") ? "appears more than once" : "is not a known field");
                p.skipChildren();
                continue;
            }
            sawMessages = true;
            if (p.currentToken() != JsonToken.START_ARRAY) {
                r.mismatch("/messages", "an array of envelopes");
                continue;
            }
            EnvelopeReader reader = new EnvelopeReader(r, json, false, ids, factory);
            for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
                String base = "/messages/" + i;
                if (i == limits.maxBatchMessages()) {
                    throw new ProblemException(Problem.of(ProblemCode.MESSAGE_TOO_LARGE, "a batch holds at most "
                            + limits.maxBatchMessages() + " messages", List.of(new FieldError(base, "one too many"))));
                }
                long start = p.currentTokenLocation().getByteOffset();
                Envelope envelope = r.object(base) ? reader.read(base) : null;
                checkSize(p.currentLocation().getByteOffset() - start, base);
                messages.add(envelope);
            }
            if (messages.isEmpty()) {
                r.error("/messages", "must hold at least one envelope");
            }
        }
        if (!sawMessages) {
            r.error("/messages", "is required");
        }
        return messages;
    }

    private static void requireContent(JsonParser p) throws IOException {
        if (p.nextToken() == null) {
            throw new ProblemException(ProblemCode.MALFORMED_JSON, "the document is empty");
        }
    }

    private void checkSize(long bytes, String pointer) {
        if (bytes > limits.maxEnvelopeBytes()) {
            String message = "envelope is " + bytes + " bytes, at most " + limits.maxEnvelopeBytes() + " are allowed";
            throw new ProblemException(Problem.of(ProblemCode.MESSAGE_TOO_LARGE, message,
                    List.of(new FieldError(pointer, message))));
        }
    }

    // Fails with every collected field error, after making sure nothing but whitespace follows the document.
    private static <T> T finish(JsonParser p, FieldReader r, T value, String what) throws IOException {
        if (p.nextToken() != null) {
            throw new ProblemException(ProblemCode.MALFORMED_JSON, what + " is followed by more content at byte "
                    + p.currentTokenLocation().getByteOffset());
        }
        List<FieldError> errors = r.errors();
        if (!errors.isEmpty()) {
            String detail = what + " has " + errors.size() + (errors.size() == 1 ? " invalid field" : " invalid fields");
            throw new ProblemException(Problem.of(ProblemCode.VALIDATION_FAILED, detail, errors));
        }
        return value;
    }

    private interface ParseStep<T> {
        T apply(JsonParser parser, FieldReader reader) throws IOException;
    }

    private <T> T parse(byte[] json, ParseStep<T> step) {
        requireUtf8(json);
        try (JsonParser parser = factory.createParser(json)) {
            return step.apply(parser, new FieldReader(parser));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at byte " + e.getLocation().getByteOffset();
            throw new ProblemException(Problem.of(ProblemCode.MALFORMED_JSON, e.getOriginalMessage() + where), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen reading a byte array
        }
    }

    /*
     * Payload slices are taken by byte offset, which is only meaningful for UTF-8; Jackson would silently decode
     * UTF-16/32 (recognisable by NUL bytes among the first four) or skip a UTF-8 byte order mark, shifting the
     * offsets. RFC 8259 requires UTF-8 without BOM between systems, so both are refused.
     */
    private static void requireUtf8(byte[] json) {
        int n = Math.min(4, json.length);
        boolean bom = json.length >= 3 && (json[0] & 0xFF) == 0xEF && (json[1] & 0xFF) == 0xBB
                && (json[2] & 0xFF) == 0xBF;
        boolean wide = json.length >= 2 && ((json[0] & 0xFF) == 0xFE || (json[0] & 0xFF) == 0xFF);
        for (int i = 0; i < n && !wide; i++) {
            wide = json[i] == 0;
        }
        if (bom || wide) {
            throw new ProblemException(ProblemCode.MALFORMED_JSON, "JSON must be UTF-8 without a byte order mark");
        }
    }

    private interface WriteStep {
        void apply(JsonGenerator generator) throws IOException;
    }

    private byte[] generate(WriteStep step) {
        ByteArrayBuilder out = new ByteArrayBuilder(1024);
        try (JsonGenerator generator = factory.createGenerator(out)) {
            step.apply(generator);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen writing to memory
        }
        return out.toByteArray();
    }
}
