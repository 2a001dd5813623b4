package dev.kmb.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kmb.broker.TransactionService;
import dev.kmb.broker.spi.TransactionRecord;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Transactions: {@code POST /v1/transactions} opens one (optional body {@code {"timeout": 30}} in seconds or
 * {@code "30s"}, {@code "500ms"}, {@code "2m"}), {@code GET /v1/transactions/{id}} shows it,
 * {@code POST /v1/transactions/{id}/commit} and {@code /rollback} end it. Publishes join one with
 * {@code transaction_id} in the envelope. Stateless; thread-safe.
 */
final class TransactionRoutes {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private final ServerContext context;
    private final TransactionService transactions;

    private TransactionRoutes(ServerContext context) {
        this.context = context;
        this.transactions = context.broker().transactions();
    }

    static void register(JavalinConfig config, ServerContext context) {
        TransactionRoutes r = new TransactionRoutes(context);
        config.routes.post("/v1/transactions", r::begin);
        config.routes.get("/v1/transactions/{id}", r::get);
        config.routes.post("/v1/transactions/{id}/commit", r::commit);
        config.routes.post("/v1/transactions/{id}/rollback", r::rollback);
    }

    /** {@code POST /v1/transactions}: the body is optional. */
    record BeginRequest(JsonNode timeout) {
    }

    /** A transaction as every route answers it; {@code reason} only once aborted. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TransactionBody(String id, String state, Number timeout, String createdAt, String expiresAt, String updatedAt,
                           String reason) {
        static TransactionBody of(TransactionRecord r) {
            return new TransactionBody(r.id(), r.state().wireName(), FieldChecks.toSeconds(r.timeout()),
                    r.createdAt().toString(), r.expiresAt().toString(), r.updatedAt().toString(),
                    r.reason().isEmpty() ? null : r.reason());
        }
    }

    private void begin(Context ctx) {
        Optional<Duration> timeout = Optional.empty();
        if (ctx.bodyAsBytes().length > 0) {
            BeginRequest body = RequestBodies.read(ctx, context.json(), BeginRequest.class);
            if (body.timeout() != null && !body.timeout().isNull()) {
                FieldChecks checks = new FieldChecks();
                timeout = Optional.ofNullable(checks.check("/timeout", () -> timeout(body.timeout()), null));
                checks.throwIfAny();
            }
        }
        ctx.status(201).json(TransactionBody.of(transactions.begin(HttpRoutes.tenant(ctx), timeout)));
    }

    private void get(Context ctx) {
        ctx.json(TransactionBody.of(transactions.get(HttpRoutes.tenant(ctx), ctx.pathParam("id"))));
    }

    private void commit(Context ctx) {
        ctx.json(TransactionBody.of(transactions.commit(HttpRoutes.tenant(ctx), ctx.pathParam("id"))));
    }

    private void rollback(Context ctx) {
        ctx.json(TransactionBody.of(transactions.rollback(HttpRoutes.tenant(ctx), ctx.pathParam("id"))));
    }

    /** A timeout: JSON seconds, or a string of a number with an optional unit (ms, s, m, h; seconds without). */
    static Duration timeout(JsonNode value) {
        if (value.isNumber()) {
            return FieldChecks.seconds("timeout", value.decimalValue(), false);
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("timeout must be seconds (a number) or a string such as \"30s\", was " + value);
        }
        Matcher m = DURATION.matcher(value.asText().trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("timeout must look like 30, \"30s\", \"500ms\", \"2m\" or \"1h\", was \""
                    + value.asText() + "\"");
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        BigDecimal seconds = switch (unit) {
            case "ms" -> amount.movePointLeft(3);
            case "m" -> amount.multiply(BigDecimal.valueOf(60));
            case "h" -> amount.multiply(BigDecimal.valueOf(3600));
            default -> amount;
        };
        return FieldChecks.seconds("timeout", seconds, false);
    }
}
