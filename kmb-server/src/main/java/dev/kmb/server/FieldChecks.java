package dev.kmb.server;

import dev.kmb.core.FieldError;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects every invalid field of one request so the answer lists them all at once (422 {@code invalid_field},
 * one {@link FieldError} per field). Not thread-safe: one instance per request.
 */
final class FieldChecks {

    /** Largest duration accepted in seconds (about 100 years): keeps {@link Duration} arithmetic far from overflow. */
    static final long MAX_SECONDS = 3_153_600_000L;

    private final List<FieldError> errors = new ArrayList<>();

    /**
     * The value {@code parse} yields, or {@code fallback} when it throws {@link IllegalArgumentException}
     * (the error is recorded under {@code pointer}).
     */
    <T> T check(String pointer, Supplier<T> parse, T fallback) {
        try {
            return parse.get();
        } catch (ProblemException e) {
            errors.add(new FieldError(pointer, e.problem().detail()));
            return fallback;
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(pointer, e.getMessage()));
            return fallback;
        }
    }

    /** Records an error. */
    void fail(String pointer, String message) {
        errors.add(new FieldError(pointer, message));
    }

    /** Throws 422 {@code invalid_field} listing every recorded error, if there is any. */
    void throwIfAny() {
        if (errors.isEmpty()) {
            return;
        }
        StringBuilder detail = new StringBuilder(errors.size() == 1 ? "1 invalid field: " : errors.size() + " invalid fields: ");
        for (int i = 0; i < errors.size(); i++) {
            detail.append(i == 0 ? "" : "; ").append(errors.get(i).pointer()).append(": ").append(errors.get(i).message());
        }
        throw new ProblemException(Problem.of(ProblemCode.INVALID_FIELD, detail.toString(), errors));
    }

    /** Seconds (fractions allowed, millisecond precision) as a duration; {@code name} is the wire key. */
    static Duration seconds(String name, BigDecimal value, boolean zeroAllowed) {
        if (value.signum() < 0 || (!zeroAllowed && value.signum() == 0)) {
            throw new IllegalArgumentException(name + " must be " + (zeroAllowed ? ">= 0" : "> 0") + " seconds, was " + value.toPlainString());
        }
        if (value.compareTo(BigDecimal.valueOf(MAX_SECONDS)) > 0) {
            throw new IllegalArgumentException(name + " must be at most " + MAX_SECONDS + " seconds, was " + value.toPlainString());
        }
        long millis = value.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        if (!zeroAllowed && millis == 0) {
            throw new IllegalArgumentException(name + " must be at least 0.001 seconds, was " + value.toPlainString());
        }
        return Duration.ofMillis(millis);
    }

    /** A duration as JSON seconds: a whole number when it is whole, else a decimal with millisecond precision. */
    static Number toSeconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (Number) (millis / 1000) : (Number) (millis / 1000.0);
    }
}
