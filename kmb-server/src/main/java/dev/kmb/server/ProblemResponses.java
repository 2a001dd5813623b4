package dev.kmb.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.core.Problem;
import io.javalin.http.Context;
import java.io.UncheckedIOException;

/** Writes an RFC 9457 problem as the whole response of a request that has not started streaming. Stateless. */
final class ProblemResponses {

    static final String CONTENT_TYPE = "application/problem+json";

    private ProblemResponses() {
    }

    static void write(Context ctx, ObjectMapper json, Problem problem) {
        ctx.status(problem.status());
        ctx.contentType(CONTENT_TYPE);
        ctx.result(bytes(json, problem.withInstance(ctx.path())));
    }

    static byte[] bytes(ObjectMapper json, Problem problem) {
        try {
            return json.writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
