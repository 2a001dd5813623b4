package dev.kmb.core;

import java.util.Objects;

/**
 * KMB's unchecked exception: a failure that carries a {@link Problem}, so every layer up to HTTP reports it the
 * same way. Expected outcomes (back-pressure, duplicates) are values, not this exception.
 */
public class ProblemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(describe(problem));
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public ProblemException(ProblemCode code, String detail) {
        this(Problem.of(code, detail));
    }

    public ProblemException(Problem problem, Throwable cause) {
        super(describe(problem), cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The problem to report. */
    public Problem problem() {
        return problem;
    }

    /** Shortcut for {@code problem().code()}. */
    public ProblemCode code() {
        return problem.code();
    }

    // The message lists field errors too: logs then show every bad field without a debugger.
    private static String describe(Problem problem) {
        StringBuilder text = new StringBuilder(problem.code().code()).append(": ").append(problem.detail());
        for (FieldError error : problem.errors()) {
            text.append("; ").append(error.pointer()).append(": ").append(error.message());
        }
        return text.toString();
    }
}
