package dev.kmb.core;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The RFC 9457 JSON form of {@link Problem}, written and read by hand so the shape does not depend on how Jackson
 * maps records and {@code Optional}:
 *
 * <pre>
 * {"type":"https://kmb.dev/problems/validation_failed","title":"Validation failed","status":422,
 *  "detail":"...","instance":"/v1/publish","code":"validation_failed",
 *  "errors":[{"pointer":"/metadata/ttl","message":"..."}]}
 * </pre>
 *
 * {@code instance} and {@code errors} are omitted when absent or empty. Stateless and thread-safe.
 */
final class ProblemJson {

    private ProblemJson() {}

    /** Writes a {@link Problem}. */
    static final class Writer extends StdSerializer<Problem> {
        private static final long serialVersionUID = 1L;

        Writer() {
            super(Problem.class);
        }

        @Override
        public void serialize(Problem problem, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            gen.writeStringField("type", problem.type());
            gen.writeStringField("title", problem.title());
            gen.writeNumberField("status", problem.status());
            gen.writeStringField("detail", problem.detail());
            if (problem.instance().isPresent()) {
                gen.writeStringField("instance", problem.instance().get());
            }
            gen.writeStringField("code", problem.code().code());
            if (!problem.errors().isEmpty()) {
                gen.writeArrayFieldStart("errors");
                for (FieldError error : problem.errors()) {
                    gen.writeStartObject();
                    gen.writeStringField("pointer", error.pointer());
                    gen.writeStringField("message", error.message());
                    gen.writeEndObject();
                }
                gen.writeEndArray();
            }
            gen.writeEndObject();
        }
    }

    /**
     * Reads a {@link Problem}, tolerating members it does not know (a newer server may add some). A code this
     * version does not know becomes {@link ProblemCode#INTERNAL}, keeping the server's status, title and detail.
     */
    static final class Reader extends StdDeserializer<Problem> {
        private static final long serialVersionUID = 1L;

        Reader() {
            super(Problem.class);
        }

        @Override
        public Problem deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                return (Problem) ctxt.handleUnexpectedToken(Problem.class, p);
            }
            String type = null;
            String code = null;
            String title = null;
            String detail = "";
            String instance = null;
            int status = 0;
            List<FieldError> errors = new ArrayList<>();
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                p.nextToken();
                switch (name) {
                    case "type" -> type = p.getValueAsString();
                    case "code" -> code = p.getValueAsString();
                    case "title" -> title = p.getValueAsString();
                    case "detail" -> detail = p.getValueAsString("");
                    case "instance" -> instance = p.getValueAsString();
                    case "status" -> status = p.getValueAsInt();
                    case "errors" -> readErrors(p, ctxt, errors);
                    default -> p.skipChildren();
                }
            }
            if (code == null && type != null && type.startsWith(ProblemCode.TYPE_PREFIX)) {
                code = type.substring(ProblemCode.TYPE_PREFIX.length());
            }
            ProblemCode known = code == null ? ProblemCode.INTERNAL
                    : ProblemCode.fromCode(code).orElse(ProblemCode.INTERNAL);
            return new Problem(known, title == null ? known.title() : title, status == 0 ? known.status() : status,
                    detail, Optional.ofNullable(instance), errors);
        }

        private static void readErrors(JsonParser p, DeserializationContext ctxt, List<FieldError> into)
                throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String pointer = "";
                String message = "";
                for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                    p.nextToken();
                    switch (name) {
                        case "pointer" -> pointer = p.getValueAsString("");
                        case "message" -> message = p.getValueAsString("");
                        default -> p.skipChildren();
                    }
                }
                into.add(new FieldError(pointer, message));
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
                ctxt.reportInputMismatch(Problem.class, "problem 'errors' must be an array of objects");
            }
        }
    }
}
