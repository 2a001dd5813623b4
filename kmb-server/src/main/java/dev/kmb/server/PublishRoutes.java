package dev.kmb.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kmb.broker.ReplayPage;
import dev.kmb.broker.ReplayQuery;
import dev.kmb.broker.Receipt;
import dev.kmb.core.Envelope;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Writing and reading messages over plain HTTP: {@code POST /v1/publish} (one envelope, or a batch
 * {@code {"messages":[…]}} answered with receipts in request order) and the replay route
 * {@code GET /v1/topics/{name}/messages}. Stateless; thread-safe.
 */
final class PublishRoutes {

    private static final JsonFactory SNIFFER = dev.kmb.core.JsonFactories.pooled();

    private final ServerContext context;

    private PublishRoutes(ServerContext context) {
        this.context = context;
    }

    static void register(JavalinConfig config, ServerContext context) {
        PublishRoutes r = new PublishRoutes(context);
        config.routes.post("/v1/publish", r::publish);
        config.routes.get("/v1/topics/{name}/messages", r::replay);
    }

    /** Where one published message landed. {@code duplicate} is written only when true. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ReceiptBody(String id, String topic, int partition, long offset, String timestamp, Boolean duplicate) {
        static ReceiptBody of(Receipt r) {
            return new ReceiptBody(r.id().toString(), r.topic().value(), r.partition(), r.offset(), dev.kmb.core.Rfc3339.format(r.timestamp()),
                    r.duplicate() ? Boolean.TRUE : null);
        }
    }

    /** The answer to a batch publish. */
    record Receipts(List<ReceiptBody> receipts) {
    }

    private void publish(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        List<Envelope> envelopes = decode(body); // 400 / 413 / 422 before anything is appended
        List<Receipt> receipts = Futures.await(context.broker().publisher().publish(HttpRoutes.tenant(ctx), envelopes));
        if (isBatch(body)) {
            ctx.json(new Receipts(receipts.stream().map(ReceiptBody::of).toList()));
        } else {
            ctx.json(ReceiptBody.of(receipts.get(0)));
        }
    }

    /**
     * Decodes a publish body. The codec reports every invalid field as 422 {@code validation_failed}; when the
     * only fault is the topic name, the answer is 400 {@code invalid_topic}, as for a bad name anywhere else.
     */
    private List<Envelope> decode(byte[] body) {
        try {
            return context.codec().decodePublish(body);
        } catch (ProblemException e) {
            Problem p = e.problem();
            if (p.code() == ProblemCode.VALIDATION_FAILED && !p.errors().isEmpty()
                    && p.errors().stream().allMatch(f -> f.pointer().endsWith("/topic"))) {
                throw new ProblemException(Problem.of(ProblemCode.INVALID_TOPIC, p.errors().get(0).message(), p.errors()));
            }
            throw e;
        }
    }

    /** True when a (well-formed) publish body is a {@code {"messages":[…]}} batch. */
    private static boolean isBatch(byte[] body) {
        try (JsonParser p = SNIFFER.createParser(body)) {
            return p.nextToken() == JsonToken.START_OBJECT && "messages".equals(p.nextFieldName());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not reached: the codec has parsed the same bytes
        }
    }

    private void replay(Context ctx) {
        TopicName topic = TopicRoutes.topicName(ctx);
        ReplayQuery query = new ReplayQuery(
                param(ctx, "partition", "a partition number", Integer::parseInt),
                param(ctx, "from_offset", "an offset", Long::parseLong),
                param(ctx, "from", "an RFC 3339 time", PublishRoutes::time),
                param(ctx, "to", "an RFC 3339 time", PublishRoutes::time),
                Optional.ofNullable(ctx.queryParam("cursor")).filter(s -> !s.isEmpty()),
                param(ctx, "limit", "a number", Integer::parseInt).orElse(ReplayQuery.DEFAULT_LIMIT));
        ReplayPage page = context.broker().replay(HttpRoutes.tenant(ctx), topic, query);
        ctx.contentType("application/json").result(write(page));
    }

    /** {@code {"messages":[…],"next":"…"}} with each message's stored bytes copied as they are, not re-parsed. */
    private byte[] write(ReplayPage page) {
        int size = 32 + page.next().length();
        for (byte[] m : page.messages()) {
            size += m.length + 1;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        out.writeBytes("{\"messages\":[".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < page.messages().size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(page.messages().get(i));
        }
        out.writeBytes("],\"next\":".getBytes(StandardCharsets.US_ASCII));
        try {
            out.writeBytes(context.json().writeValueAsBytes(page.next()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('}');
        return out.toByteArray();
    }

    private static Instant time(String text) {
        return java.time.OffsetDateTime.parse(text).toInstant();
    }

    /** A query parameter parsed by {@code parse}; 400 {@code bad_request} naming it when it does not parse. */
    static <T> Optional<T> param(Context ctx, String name, String expected, Function<String, T> parse) {
        String value = ctx.queryParam(name);
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse.apply(value));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw ProblemHandlers.badParam(name, value, expected);
        }
    }
}
