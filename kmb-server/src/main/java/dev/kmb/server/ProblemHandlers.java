package dev.kmb.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into an RFC 9457 {@code application/problem+json} answer with a stable {@code code}.
 *
 * <p>Mapping: {@link ProblemException} → its own status; {@link IllegalArgumentException} (a value refused by
 * a validating constructor) → 422 {@code invalid_field}; Javalin's own 404/405/413 → {@code not_found},
 * {@code method_not_allowed}, {@code message_too_large}; anything else is logged with its stack trace and
 * answered 500 {@code internal} without one. 429 answers carry {@code Retry-After}. Stateless; thread-safe.
 */
final class ProblemHandlers {

    static final String PROBLEM_JSON = "application/problem+json";
    /** Seconds a back-pressured client is told to wait. */
    static final String RETRY_AFTER_SECONDS = "1";

    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandlers.class);

    private ProblemHandlers() {
    }

    static void register(JavalinConfig config, ObjectMapper json) {
        config.routes.exception(ProblemException.class, (e, ctx) -> respond(ctx, json, e.problem()));
        config.routes.exception(IllegalArgumentException.class, (e, ctx) ->
                respond(ctx, json, Problem.of(ProblemCode.INVALID_FIELD, e.getMessage())));
        config.routes.exception(HttpResponseException.class, (e, ctx) -> respond(ctx, json, fromJavalin(e, ctx)));
        config.routes.exception(CompletionException.class, (e, ctx) -> unwrapped(e, ctx, json));
        config.routes.exception(ExecutionException.class, (e, ctx) -> unwrapped(e, ctx, json));
        config.routes.exception(Exception.class, (e, ctx) -> internal(e, ctx, json));
    }

    private static void unwrapped(Exception e, Context ctx, ObjectMapper json) {
        Throwable cause = e.getCause();
        if (cause instanceof ProblemException p) {
            respond(ctx, json, p.problem());
        } else if (cause instanceof IllegalArgumentException iae) {
            respond(ctx, json, Problem.of(ProblemCode.INVALID_FIELD, iae.getMessage()));
        } else {
            internal(cause != null ? cause : e, ctx, json);
        }
    }

    private static void internal(Throwable e, Context ctx, ObjectMapper json) {
        LOG.error("{} {} failed unexpectedly", ctx.method(), ctx.path(), e);
        respond(ctx, json, Problem.of(ProblemCode.INTERNAL, "the bus failed to answer this request; the cause is in its log"));
    }

    private static Problem fromJavalin(HttpResponseException e, Context ctx) {
        return switch (e.getStatus()) {
            case 404 -> Problem.of(ProblemCode.NOT_FOUND, "no route " + ctx.method() + " " + ctx.path()
                    + "; the API is described at GET /v1/openapi.json");
            case 405 -> Problem.of(ProblemCode.METHOD_NOT_ALLOWED, "route " + ctx.path() + " does not take "
                    + ctx.method() + "; see GET /v1/openapi.json");
            case 413 -> Problem.of(ProblemCode.MESSAGE_TOO_LARGE, "the request body is larger than the "
                    + "server's limit (kmb.server.max_request_bytes)");
            default -> {
                ProblemCode code = e.getStatus() >= 500 ? ProblemCode.INTERNAL : ProblemCode.BAD_REQUEST;
                yield new Problem(code, code.title(), e.getStatus(), String.valueOf(e.getMessage()),
                        java.util.Optional.empty(), List.of());
            }
        };
    }

    /** Writes a problem as the answer, with its status; adds {@code Retry-After} on 429. */
    static void respond(Context ctx, ObjectMapper json, Problem problem) {
        Problem withInstance = problem.instance().isPresent() ? problem : problem.withInstance(ctx.path());
        if (problem.status() == 429) {
            ctx.header("Retry-After", RETRY_AFTER_SECONDS);
        }
        ctx.status(problem.status()).contentType(PROBLEM_JSON).result(toJson(json, withInstance));
    }

    /** A problem as RFC 9457 JSON bytes (also the body of SSE {@code error} events). */
    static byte[] toJson(ObjectMapper json, Problem problem) {
        try {
            return json.writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem could not be written as JSON", e);
        }
    }

    /** A 400 {@code bad_request} about a query parameter that does not parse. */
    static ProblemException badParam(String name, String value, String expected) {
        String message = "query parameter " + name + "='" + value + "' is not " + expected;
        return new ProblemException(ProblemCode.BAD_REQUEST, message);
    }
}
