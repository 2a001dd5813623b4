package dev.kmb.core;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An error as a value, shaped after RFC 9457 problem details; immutable.
 *
 * <p>Jackson writes it as {@code {"type","title","status","detail","instance"?,"code","errors"?}} where
 * {@code type} is {@code https://kmb.dev/problems/<code>}; see {@link ProblemJson}.
 *
 * @param code     the error kind; its wire name is the {@code code} member
 * @param title    short summary, usually {@link ProblemCode#title()}
 * @param status   HTTP status, usually {@link ProblemCode#status()}
 * @param detail   what went wrong this time, for people
 * @param instance optional URI of this occurrence (e.g. the request path)
 * @param errors   the invalid fields, when the problem is about a request's content; empty otherwise
 */
@JsonSerialize(using = ProblemJson.Writer.class)
@JsonDeserialize(using = ProblemJson.Reader.class)
public record Problem(
        ProblemCode code, String title, int status, String detail, Optional<String> instance, List<FieldError> errors) {

    public Problem {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(instance, "instance");
        errors = List.copyOf(errors);
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be an HTTP status 100..599, was " + status);
        }
    }

    /** A problem with the code's own title and status. */
    public static Problem of(ProblemCode code, String detail) {
        return new Problem(code, code.title(), code.status(), detail, Optional.empty(), List.of());
    }

    /** A problem about invalid fields. */
    public static Problem of(ProblemCode code, String detail, List<FieldError> errors) {
        return new Problem(code, code.title(), code.status(), detail, Optional.empty(), errors);
    }

    /** This problem, pointing at the given occurrence URI. */
    public Problem withInstance(String instance) {
        return new Problem(code, title, status, detail, Optional.of(instance), errors);
    }

    /** The RFC 9457 {@code type} URI. */
    public String type() {
        return code.typeUri();
    }
}
