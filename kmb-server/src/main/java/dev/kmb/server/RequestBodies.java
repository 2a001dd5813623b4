package dev.kmb.server;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.kmb.core.FieldError;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;

/**
 * Reads request bodies into records. Broken JSON (syntax, truncation, empty body) is 400 {@code malformed_json};
 * well-formed JSON whose fields have the wrong type, or that has a field the route does not know, is 422
 * {@code invalid_field} with a JSON pointer to it, so a typo never passes silently. Stateless; thread-safe.
 */
final class RequestBodies {

    private RequestBodies() {
    }

    /** The body as {@code type}; never null. */
    static <T> T read(Context ctx, ObjectMapper json, Class<T> type) {
        byte[] body = ctx.bodyAsBytes();
        if (body.length == 0) {
            throw new ProblemException(ProblemCode.MALFORMED_JSON, "the request needs a JSON body");
        }
        try {
            T value = json.readValue(body, type);
            if (value == null) {
                throw new ProblemException(ProblemCode.MALFORMED_JSON, "the request body is JSON null; an object is expected");
            }
            return value;
        } catch (JsonParseException e) {
            throw new ProblemException(ProblemCode.MALFORMED_JSON, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (UnrecognizedPropertyException e) {
            throw field(e, "unknown field '" + e.getPropertyName() + "'; known fields: " + e.getKnownPropertyIds());
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                throw new ProblemException(ProblemCode.MALFORMED_JSON, "the request body must be a JSON object: "
                        + e.getOriginalMessage());
            }
            throw field(e, "wrong type: " + e.getOriginalMessage());
        } catch (JsonMappingException e) {
            // a record's compact constructor refused a value
            Throwable cause = e.getCause();
            if (cause instanceof ProblemException p) {
                throw p;
            }
            throw field(e, cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ProblemException(ProblemCode.MALFORMED_JSON, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ProblemException(ProblemCode.MALFORMED_JSON, "the request body could not be read: " + e.getMessage());
        }
    }

    private static ProblemException field(JsonMappingException e, String message) {
        StringBuilder pointer = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            pointer.append('/').append(r.getFieldName() != null ? FieldError.escapePointerToken(r.getFieldName()) : r.getIndex());
        }
        String detail = (pointer.isEmpty() ? "" : pointer + ": ") + message;
        return new ProblemException(Problem.of(ProblemCode.INVALID_FIELD, detail, List.of(new FieldError(pointer.toString(), message))));
    }
}
